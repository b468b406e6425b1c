/**
 * Key files: a private key kept on disk as PKCS #8 PEM, created on first use with mode 0600 in a
 * directory of mode 0700, and refused when others may read it (as ssh refuses such a key), so
 * that a key is never silently exposed.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateSigningKey, InvalidKeyError, parseSigningKey, type SigningKey } from './ed25519.ts';

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

/** Where keys live unless told otherwise: under the user's configuration ($XDG_CONFIG_HOME, or ~/.config). */
export function defaultKeyDirectory(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'oracle-network');
}

/** Where a worker keeps its key unless told otherwise: one file per id. */
export function defaultWorkerKeyFile(workerId: string): string {
  return join(defaultKeyDirectory(), 'workers', `${workerId}.key`);
}

export interface LoadedKey {
  readonly key: SigningKey;
  /** True when the file did not exist and was created now. */
  readonly created: boolean;
}

/** Reads the key in `path`, or generates one there if there is no file yet. KeyFileError on anything else. */
export function loadOrCreateKeyFile(path: string): LoadedKey {
  const existing = readKeyFile(path);
  if (existing !== undefined) return { key: existing, created: false };
  const key = generateSigningKey();
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx' fails if another process created the file meanwhile; then that one's key is the key.
    writeFileSync(path, key.exportPem(), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: readKeyFile(path) ?? key, created: false };
    throw new KeyFileError(`cannot create the key file ${path}: ${(error as Error).message}`);
  }
  return { key, created: true };
}

function readKeyFile(path: string): SigningKey | undefined {
  let text: string;
  try {
    const { mode } = statSync(path);
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new KeyFileError(
        `the key file ${path} may be read by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it, or move it away to make a new key`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`cannot read the key file ${path}: ${(error as Error).message}`);
  }
  try {
    return parseSigningKey(text);
  } catch (error) {
    if (error instanceof InvalidKeyError) throw new KeyFileError(`the key file ${path} holds ${error.message}`);
    throw error;
  }
}

export interface ConfiguredKey extends LoadedKey {
  /** Where it came from, for the logs: the file, or "the private-key setting". */
  readonly from: string;
}

/**
 * The key a process was configured with: the private key itself when given, else the key file
 * (created when missing); undefined when neither is set. KeyFileError for a key that will not do.
 */
export function configuredKey(settings: { privateKey?: string | undefined; keyFile?: string | undefined }): ConfiguredKey | undefined {
  if (settings.privateKey !== undefined) {
    try {
      return { key: parseSigningKey(settings.privateKey), created: false, from: 'the private-key setting' };
    } catch (error) {
      if (error instanceof InvalidKeyError) throw new KeyFileError(`the private-key setting holds ${error.message}`);
      throw error;
    }
  }
  if (settings.keyFile === undefined) return undefined;
  return { ...loadOrCreateKeyFile(settings.keyFile), from: settings.keyFile };
}
