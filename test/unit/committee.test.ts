import { describe, expect, it } from 'vitest';
import { sampleCommittee } from '../../src/coordinator/committee.ts';
import { createRandom } from '../../src/market/random.ts';

const ids = Array.from({ length: 20 }, (_, i) => `w${i}`);

describe('sampleCommittee', () => {
  it('returns everyone when the committee is as large as the candidates', () => {
    expect(sampleCommittee(ids, 20, () => 1)).toEqual(ids);
    expect(sampleCommittee(ids, 50, () => 1)).toEqual(ids);
    expect(sampleCommittee(ids, 0, () => 1)).toEqual([]);
  });

  it('picks k distinct candidates, in their original order', () => {
    const random = createRandom(3);
    for (let i = 0; i < 50; i++) {
      const picked = sampleCommittee(ids, 5, () => 1, random);
      expect(new Set(picked).size).toBe(5);
      expect(picked).toEqual([...picked].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)));
    }
  });

  it('favours reliable candidates, yet still gives the unreliable a chance', () => {
    const random = createRandom(11);
    const weight = (id: string) => (Number(id.slice(1)) < 10 ? 1 : 0.05);
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const id of sampleCommittee(ids, 5, weight, random)) counts.set(id, (counts.get(id) ?? 0) + 1);
    const reliable = ids.slice(0, 10).reduce((sum, id) => sum + (counts.get(id) ?? 0), 0);
    const unreliable = ids.slice(10).reduce((sum, id) => sum + (counts.get(id) ?? 0), 0);
    expect(reliable + unreliable).toBe(10_000);
    expect(unreliable).toBeGreaterThan(0);
    expect(reliable / unreliable).toBeGreaterThan(10);
  });

  it('is uniform when every weight is equal', () => {
    const random = createRandom(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) for (const id of sampleCommittee(ids, 5, () => 0.7, random)) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of ids) {
      expect(counts.get(id)).toBeGreaterThan(850);
      expect(counts.get(id)).toBeLessThan(1150);
    }
  });
});
