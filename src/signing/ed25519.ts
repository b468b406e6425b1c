/**
 * Ed25519 keys as the specs spell them: a public key is 32 raw bytes, on the wire as base64 or a
 * PEM SubjectPublicKeyInfo block; a key is named by its RFC 7638 JWK thumbprint; a signature is
 * base64 of its 64 bytes. Everything here is node:crypto, so that no dependency stands between
 * the specs and what anyone can verify with their own library.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** A public key in every form it is needed in, parsed once. */
export interface PublicKey {
  /** base64 of the 32 key bytes: what stores keep and what `public_key` is compared as. */
  readonly raw: string;
  /** The RFC 7638 thumbprint, base64url. */
  readonly keyId: string;
  readonly object: KeyObject;
}

/** A key pair this process signs with. */
export interface SigningKey {
  readonly publicKey: PublicKey;
  /** base64 of the 64 signature bytes of `message` (UTF-8). */
  sign(message: string): string;
  /** The private key as PKCS #8 PEM, for a key file. */
  exportPem(): string;
}

export class InvalidKeyError extends Error {
  override name = 'InvalidKeyError';
}

const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
const RAW_KEY = /^[A-Za-z0-9+/]{43}=$/;
/** The DER prefix of a PKCS #8 Ed25519 private key, before its 32-byte seed (RFC 8410). */
const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** The DER prefix of an Ed25519 SubjectPublicKeyInfo, before its 32-byte key (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function generateSigningKey(): SigningKey {
  return signingKeyOf(generateKeyPairSync('ed25519').privateKey);
}

/**
 * A private key from text: PKCS #8 PEM, or base64 of the 32-byte seed (what a secret store
 * holds most easily). InvalidKeyError otherwise.
 */
export function parseSigningKey(text: string): SigningKey {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) return signingKeyOf(createPrivateKey(trimmed));
    const seed = Buffer.from(trimmed, 'base64');
    if (seed.length !== 32 || !RAW_KEY.test(trimmed)) throw new InvalidKeyError('not 32 bytes of base64');
    return signingKeyOf(createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
  } catch (error) {
    throw new InvalidKeyError(
      `not an Ed25519 private key (PKCS #8 PEM, or base64 of the 32-byte seed): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function signingKeyOf(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new InvalidKeyError(`a ${privateKey.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`);
  const publicKey = publicKeyOf(createPublicKey(privateKey));
  return {
    publicKey,
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64'),
    exportPem: () => privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** A public key from `public_key` (base64 of 32 bytes, or PEM); InvalidKeyError otherwise. */
export function parsePublicKey(text: string): PublicKey {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) return publicKeyOf(createPublicKey(trimmed));
    if (!RAW_KEY.test(trimmed)) throw new InvalidKeyError('expected 44 characters of base64 (32 bytes) or a PEM block');
    return publicKeyOf(
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(Buffer.from(trimmed, 'base64')) }, format: 'jwk' }),
    );
  } catch (error) {
    if (error instanceof InvalidKeyError) throw error;
    throw new InvalidKeyError(`not an Ed25519 public key: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A public key from its JWK `x` (base64url of the 32 bytes). */
export function publicKeyFromJwkX(x: string): PublicKey {
  const bytes = Buffer.from(x, 'base64url');
  if (bytes.length !== 32 || base64url(bytes) !== x) throw new InvalidKeyError('x is not 32 bytes of base64url');
  return parsePublicKey(bytes.toString('base64'));
}

/**
 * The 32 key bytes come from the SPKI DER, not from a JWK export: on Node 20, exporting a JWK
 * of a key from generateKeyPairSync can deadlock the process for good. Node holds the key's
 * mutex while it allocates the JWK's strings; a garbage collection then may free the key
 * generation job, whose destructor takes the same mutex. A stress test under
 * `--gc-interval` hung that way (test/unit/signing.test.ts); the DER export holds no
 * lock while it allocates.
 */
function publicKeyOf(object: KeyObject): PublicKey {
  if (object.asymmetricKeyType !== 'ed25519') throw new InvalidKeyError(`a ${object.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`);
  const der = object.export({ type: 'spki', format: 'der' });
  if (der.length !== SPKI_PREFIX.length + 32 || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    throw new InvalidKeyError('not an Ed25519 public key in the SPKI form of RFC 8410');
  }
  const raw = der.subarray(SPKI_PREFIX.length);
  const x = base64url(raw);
  return { raw: raw.toString('base64'), keyId: thumbprintOf(x), object };
}

/** RFC 7638: SHA-256 of the required members in lexicographic order, no white space. */
function thumbprintOf(x: string): string {
  return base64url(createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest());
}

export function jwkXOf(key: PublicKey): string {
  return base64url(Buffer.from(key.raw, 'base64'));
}

/** Whether `signature` (base64 of 64 bytes) is `key`'s signature of `message`; false for a malformed one. */
export function verifySignature(key: PublicKey, message: string, signature: string): boolean {
  if (!isWellFormedSignature(signature)) return false;
  return verify(null, Buffer.from(message, 'utf8'), key.object, Buffer.from(signature, 'base64'));
}

export function isWellFormedSignature(signature: string): boolean {
  return SIGNATURE.test(signature);
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
