/**
 * Committee sampling: when a request asks fewer workers than are available, pick k of them at
 * random, each with a chance that grows with its reliability score, as Band Protocol picks its
 * validators. Weighted sampling without replacement by Efraimidis and Spirakis: every candidate
 * draws the key u^(1/w) and the k largest keys win, kept in a min-heap of size k, so a pick costs
 * O(n log k) arithmetic and only the k winners get an HTTP call.
 */
import type { Random } from '../shared/random.ts';

/** Even a worker scored 0 keeps a small chance, so that it can be seen to have recovered. */
const MIN_WEIGHT = 0.01;

export function sampleCommittee<T>(candidates: readonly T[], k: number, weightOf: (candidate: T) => number, random: Random = Math.random): T[] {
  if (k >= candidates.length) return [...candidates];
  if (k <= 0) return [];
  const heap: { key: number; candidate: T }[] = [];
  for (const candidate of candidates) {
    const key = random() ** (1 / Math.max(MIN_WEIGHT, weightOf(candidate)));
    if (heap.length < k) {
      heap.push({ key, candidate });
      siftUp(heap, heap.length - 1);
    } else if (key > (heap[0]?.key ?? Infinity)) {
      heap[0] = { key, candidate };
      siftDown(heap, 0);
    }
  }
  // Keep the registry's order among the winners, so results read the same way as unsampled ones.
  const winners = new Set(heap.map((entry) => entry.candidate));
  return candidates.filter((candidate) => winners.has(candidate));
}

function siftUp(heap: { key: number }[], index: number): void {
  for (let i = index; i > 0; ) {
    const parent = (i - 1) >> 1;
    if ((heap[parent]?.key ?? 0) <= (heap[i]?.key ?? 0)) return;
    swap(heap, i, parent);
    i = parent;
  }
}

function siftDown(heap: { key: number }[], index: number): void {
  for (let i = index; ; ) {
    const left = 2 * i + 1;
    const right = left + 1;
    let smallest = i;
    if (left < heap.length && (heap[left]?.key ?? 0) < (heap[smallest]?.key ?? 0)) smallest = left;
    if (right < heap.length && (heap[right]?.key ?? 0) < (heap[smallest]?.key ?? 0)) smallest = right;
    if (smallest === i) return;
    swap(heap, i, smallest);
    i = smallest;
  }
}

function swap<T>(items: T[], a: number, b: number): void {
  const held = items[a] as T;
  items[a] = items[b] as T;
  items[b] = held;
}
