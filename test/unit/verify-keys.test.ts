/**
 * verifyReport reads the key set it is given on every call, though it keeps the keys it has
 * parsed: a key taken out of the set no longer verifies, and one put in does.
 */
import { describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/contract/models.ts';
import { generateSigningKey, jwkXOf, type SigningKey } from '../../src/signing/ed25519.ts';
import { observationMessage } from '../../src/signing/messages.ts';
import { signReport } from '../../src/signing/report.ts';
import { verifyReport } from '../../src/signing/verify.ts';

type Jwk = KeySet['keys'][number];

function jwkOf(key: SigningKey, role: 'coordinator' | 'worker', workerId?: string): Jwk {
  const { publicKey } = key;
  return {
    kty: 'OKP',
    crv: 'Ed25519',
    x: jwkXOf(publicKey),
    kid: publicKey.keyId,
    use: 'sig',
    oracle_role: role,
    ...(workerId === undefined ? {} : { worker_id: workerId }),
  };
}

describe('verifyReport and the key set', () => {
  const coordinatorKey = generateSigningKey();
  const workerKey = generateSigningKey();
  const timeMs = Date.UTC(2026, 11, 1, 12, 0, 0);
  const value = 67_000.5;
  const report = signReport(coordinatorKey, {
    request_id: 'r-1',
    query: 'BTC/USD',
    strategy: 'average',
    trim: 0,
    mad_k: 0,
    tolerance: 0,
    final_value: value,
    observations: [
      {
        worker_id: 'w-1',
        key_id: workerKey.publicKey.keyId,
        time_ms: timeMs,
        value,
        weight: 1,
        signature: workerKey.sign(observationMessage({ request_id: 'r-1', worker_id: 'w-1', query: 'BTC/USD', time_ms: timeMs, value })),
      },
    ],
  });
  const coordinatorJwk = jwkOf(coordinatorKey, 'coordinator');
  const workerJwk = jwkOf(workerKey, 'worker', 'w-1');

  it('verifies with both keys, again and again', () => {
    const keys: KeySet = { keys: [coordinatorJwk, workerJwk] };
    expect(verifyReport(report, keys)).toEqual({ valid: true, failures: [] });
    expect(verifyReport(report, keys)).toEqual({ valid: true, failures: [] });
  });

  it('fails once a key is taken out of the same set, and passes once it is back', () => {
    const keys: KeySet = { keys: [coordinatorJwk, workerJwk] };
    expect(verifyReport(report, keys).valid).toBe(true);
    keys.keys.pop();
    const without = verifyReport(report, keys);
    expect(without.valid).toBe(false);
    expect(without.failures.join('\n')).toMatch(/w-1/);
    keys.keys.push(workerJwk);
    expect(verifyReport(report, keys).valid).toBe(true);
  });

  it('skips a malformed key every time, and a key whose kid is not its thumbprint', () => {
    const keys: KeySet = { keys: [coordinatorJwk, { ...workerJwk, x: 'not-a-key' }] };
    expect(verifyReport(report, keys).valid).toBe(false);
    expect(verifyReport(report, keys).valid).toBe(false);
    expect(verifyReport(report, { keys: [coordinatorJwk, { ...workerJwk, kid: coordinatorJwk.kid }] }).valid).toBe(false);
  });
});
