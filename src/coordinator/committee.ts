/**
 * Committee sampling: when a request asks fewer workers than are registered, pick k of them at
 * random, each with a chance proportional to its reliability score, as Band Protocol picks its
 * validators. Rejection sampling: draw a random candidate and accept it with probability equal to
 * its weight (scores lie in [0, 1]), until k distinct eligible ones are in. That is successive
 * weighted sampling without replacement, and it costs O(k / mean weight) draws, not O(n): a
 * registry of thousands does not slow a committee of ten. Should the draws run long (most
 * candidates ineligible or scored near 0), the rest is filled by one weighted pass over all.
 */
import type { Random } from '../market/random.ts';

/** Even a worker scored 0 keeps a small chance, so that it can be seen to have recovered. */
const MIN_WEIGHT = 0.01;

export function sampleCommittee<T>(
  candidates: readonly T[],
  k: number,
  weightOf: (candidate: T) => number,
  random: Random = Math.random,
  isEligible: (candidate: T) => boolean = () => true,
): T[] {
  if (k <= 0) return [];
  if (k >= candidates.length) return candidates.filter(isEligible);
  const chosen = new Set<number>();
  const maxDraws = 20 * k + 100;
  for (let draws = 0; chosen.size < k && draws < maxDraws; draws++) {
    const index = Math.floor(random() * candidates.length);
    const candidate = candidates[index] as T;
    if (chosen.has(index) || !isEligible(candidate)) continue;
    if (random() < Math.max(MIN_WEIGHT, weightOf(candidate))) chosen.add(index);
  }
  if (chosen.size < k) fillByWeightedKeys(candidates, k, weightOf, random, isEligible, chosen);
  // Keep the registry's order among the winners, so results read the same way as unsampled ones.
  return [...chosen].sort((a, b) => a - b).map((index) => candidates[index] as T);
}

/** Efraimidis–Spirakis: each remaining candidate draws u^(1/w); the largest keys fill the committee. */
function fillByWeightedKeys<T>(
  candidates: readonly T[],
  k: number,
  weightOf: (candidate: T) => number,
  random: Random,
  isEligible: (candidate: T) => boolean,
  chosen: Set<number>,
): void {
  const keyed: { index: number; key: number }[] = [];
  candidates.forEach((candidate, index) => {
    if (!chosen.has(index) && isEligible(candidate))
      keyed.push({ index, key: random() ** (1 / Math.max(MIN_WEIGHT, weightOf(candidate))) });
  });
  keyed.sort((a, b) => b.key - a.key);
  for (const { index } of keyed.slice(0, k - chosen.size)) chosen.add(index);
}
