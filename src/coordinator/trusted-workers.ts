/**
 * The trusted-workers file (`--trusted-workers`): the keys an operator pins ahead of time, one
 * per worker id. With it, the registry takes exactly these workers with exactly these keys.
 *
 *   workers:
 *     worker-1: 3ae2hOs2ViLxkRrw3VCc2VRbo8HEQhKsZCHlY1/Ecv0=
 *     worker-2: |
 *       -----BEGIN PUBLIC KEY-----
 *       ...
 */
import { isMap, isScalar, type Node } from 'yaml';
import { readYamlFile } from '../cli/yaml-file.ts';
import { componentValidator } from '../contract/schemas.ts';
import { InvalidKeyError, parsePublicKey, type PublicKey } from '../signing/ed25519.ts';

export class TrustedWorkersFileError extends Error {
  override name = 'TrustedWorkersFileError';
}

const workerIdSchema = componentValidator('WorkerId');
const isWorkerId = (id: string): boolean => workerIdSchema(id);

export function loadTrustedWorkers(path: string): Map<string, PublicKey> {
  const { root, lineOf } = readYamlFile(path, (message) => new TrustedWorkersFileError(message));
  const workers = isMap(root) ? root.get('workers', true) : undefined;
  if (!isMap(workers))
    throw new TrustedWorkersFileError(`${path}:${lineOf(root)}: expected a map of worker id to public key under "workers"`);
  const trusted = new Map<string, PublicKey>();
  const owners = new Map<string, string>();
  for (const pair of workers.items) {
    const where = `${path}:${lineOf(pair.key as Node)}`;
    const id = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!isWorkerId(id)) throw new TrustedWorkersFileError(`${where}: "${id}" is not a worker id`);
    const text = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof text !== 'string') throw new TrustedWorkersFileError(`${where}: ${id}'s key must be a string (base64 or PEM)`);
    let key: PublicKey;
    try {
      key = parsePublicKey(text);
    } catch (error) {
      if (error instanceof InvalidKeyError) throw new TrustedWorkersFileError(`${where}: ${id}: ${error.message}`);
      throw error;
    }
    // One key for two ids would let one worker answer twice.
    const other = owners.get(key.raw);
    if (other !== undefined) throw new TrustedWorkersFileError(`${where}: ${id} has the same key as ${other}`);
    owners.set(key.raw, id);
    trusted.set(id, key);
  }
  return trusted;
}
