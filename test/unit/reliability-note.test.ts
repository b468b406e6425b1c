import { describe, expect, it } from 'vitest';
import { ALL_RESPONDED, buildReliabilityNote, isPartial, majorityOf } from '../../src/coordinator/reliability-note.ts';
import type { WorkerResult } from '../../src/shared/models.ts';

function ok(id: string): WorkerResult {
  return { worker_id: id, request_id: 'r', value: 1, response_time: '1ms', reliable: true };
}
function failed(id: string, err: string): WorkerResult {
  return { worker_id: id, request_id: 'r', value: 0, err, response_time: '1ms', reliable: false };
}

describe('reliability note', () => {
  it('uses the design document\'s wording when everybody answered', () => {
    expect(buildReliabilityNote([ok('a'), ok('b')], 2)).toBe(ALL_RESPONDED);
    expect(ALL_RESPONDED).toBe('All workers responded successfully');
  });
  it('counts and names the excluded workers', () => {
    expect(buildReliabilityNote([ok('a'), ok('b'), failed('c', 'timed out after 2000ms')], 2)).toBe(
      '2 of 3 workers responded. Excluded: c (timed out after 2000ms).',
    );
  });
  it('warns when fewer than a majority answered', () => {
    expect(buildReliabilityNote([ok('a'), failed('b', 'x'), failed('c', 'y')], 1)).toBe(
      'Warning: partial result, only 1 of 3 workers responded (a majority needs 2). Excluded: b (x), c (y).',
    );
  });
  it('names at most ten failures', () => {
    const results = [ok('a'), ...Array.from({ length: 15 }, (_, i) => failed(`w${i}`, 'down'))];
    const note = buildReliabilityNote(results, 1);
    expect(note).toContain('w9 (down) and 5 more.');
    expect(note).not.toContain('w10');
  });
  it('defines a majority as more than half', () => {
    expect([1, 2, 3, 4, 5].map(majorityOf)).toEqual([1, 2, 2, 3, 3]);
    expect(isPartial(2, 4)).toBe(true);
    expect(isPartial(3, 4)).toBe(false);
  });
});
