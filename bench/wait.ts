/** Polling for a condition the benchmark cannot be told about (a count reached, a stream connected). */
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 10;

/** Resolves true as soon as `condition()` holds, false when it still does not after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}
