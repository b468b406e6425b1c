/**
 * What Ed25519 itself costs on this machine, timed in this process with the product's own
 * functions: the floor under the signature row's figures. A signed request at n workers needs
 * n signatures in the workers, and n verifications and one report signature in the coordinator,
 * so comparing the measured cost per request with these primitives tells the crypto from the
 * code around it.
 */
import { generateSigningKey, verifySignature } from '../src/signing/ed25519.ts';
import { observationMessage } from '../src/signing/messages.ts';

export interface CryptoCost {
  /** µs per signature of an observation (what a worker does for each answer). */
  signUs: number;
  /** µs per verification of one (what the coordinator does for each answer). */
  verifyUs: number;
}

/** Enough iterations for a stable mean, few enough to take about a fifth of a second. */
const ITERATIONS = 2_000;

function microsPerCall(work: (i: number) => void): number {
  for (let i = 0; i < ITERATIONS / 10; i++) work(i); // warm the JIT
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) work(i);
  return ((performance.now() - started) * 1000) / ITERATIONS;
}

export function measureCryptoCost(): CryptoCost {
  const key = generateSigningKey();
  const message = (i: number) =>
    observationMessage({ request_id: `bench-${i}`, worker_id: 'bench-1', query: 'BTC/USD', time_ms: 1_700_000_000_000 + i, value: 42_000 });
  const signatures = Array.from({ length: ITERATIONS }, (_, i) => key.sign(message(i)));
  const signUs = microsPerCall((i) => key.sign(message(i)));
  const verifyUs = microsPerCall((i) => {
    if (!verifySignature(key.publicKey, message(i), signatures[i] ?? '')) throw new Error('a fresh signature did not verify');
  });
  return { signUs, verifyUs };
}
