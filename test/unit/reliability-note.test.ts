import { describe, expect, it } from 'vitest';
import { isPartial, majorityOf } from '../../src/coordinator/quorum.ts';
import { ALL_RESPONDED, buildReliabilityNote, type NoteFacts } from '../../src/coordinator/reliability-note.ts';
import type { WorkerResult } from '../../src/contract/models.ts';

function ok(id: string): WorkerResult {
  return { worker_id: id, request_id: 'r', value: 1, response_time: '1ms', reliable: true };
}
function failed(id: string, err: string): WorkerResult {
  return { worker_id: id, request_id: 'r', value: 0, err, response_time: '1ms', reliable: false };
}
function note(results: WorkerResult[], facts: Partial<NoteFacts> = {}): string {
  const answered = results.filter((r) => r.err === undefined).length;
  const quorum = facts.quorum ?? majorityOf(results.length);
  return buildReliabilityNote({ results, answered, quorum, partial: isPartial(answered, quorum), ejected: [], outliers: [], ...facts });
}

describe('reliability note', () => {
  it("uses the design document's wording when everybody answered", () => {
    expect(note([ok('a'), ok('b')])).toBe(ALL_RESPONDED);
    expect(ALL_RESPONDED).toBe('All workers responded successfully');
  });
  it('counts and names the excluded workers', () => {
    expect(note([ok('a'), ok('b'), failed('c', 'timed out after 2000ms')])).toBe(
      '2 of 3 workers responded. Excluded: c (timed out after 2000ms).',
    );
  });
  it('warns when fewer answered than the quorum', () => {
    expect(note([ok('a'), failed('b', 'x'), failed('c', 'y')])).toBe(
      'Warning: partial result, only 1 of 3 workers responded (quorum 2). Excluded: b (x), c (y).',
    );
    expect(note([ok('a'), ok('b')], { quorum: 3 })).toBe('Warning: partial result, only 2 of 2 workers responded (quorum 3).');
  });
  it('names outliers and ejected workers', () => {
    expect(note([ok('a'), ok('b'), ok('c')], { outliers: [{ id: 'c', deviation: 0.1 }], ejected: ['d'] })).toBe(
      'All workers responded successfully. Outliers against the consensus: c (+10.00%). Not asked (ejected after repeated failures): d.',
    );
  });
  it('names at most ten failures', () => {
    const results = [ok('a'), ...Array.from({ length: 15 }, (_, i) => failed(`w${i}`, 'down'))];
    const text = note(results);
    expect(text).toContain('w9 (down) and 5 more.');
    expect(text).not.toContain('w10');
  });
  it('defines a majority as more than half', () => {
    expect([1, 2, 3, 4, 5].map(majorityOf)).toEqual([1, 2, 2, 3, 3]);
  });
});
