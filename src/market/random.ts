/** A seedable pseudo-random source, so simulations replay exactly under `--seed`. */
export type Random = () => number;

/** mulberry32: tiny, fast and good enough for simulation (not for cryptography). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seed for runs that did not ask for reproducibility. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4_294_967_296);
}

/** FNV-1a: a stable 32-bit hash of a string, used to derive per-query constants. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
