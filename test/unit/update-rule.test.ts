import { describe, expect, it } from 'vitest';
import { decideUpdate, deviationInBps, type UpdatePolicy } from '../../src/coordinator/feeds/update-rule.ts';

const policy: UpdatePolicy = { deviationBps: 50, heartbeatMs: 60_000 };
const answered = (value: number, partial = false) => ({ answered: true as const, value, partial });
const last = { value: 100, publishedAtMs: 1_000 };

describe('the feed update rule', () => {
  it('publishes the first good value', () => {
    expect(decideUpdate(answered(100), undefined, policy, 0)).toEqual({ publish: true, reason: 'first', deviationBps: undefined });
  });

  it('publishes when the heartbeat is due, and not a moment before', () => {
    expect(decideUpdate(answered(100.1), last, policy, 61_000)).toMatchObject({ publish: true, reason: 'heartbeat' });
    expect(decideUpdate(answered(100.1), last, policy, 60_999)).toMatchObject({ publish: false, reason: 'unchanged' });
  });

  it('publishes a move of exactly the threshold, and skips one just below it', () => {
    const atThreshold = decideUpdate(answered(100.5), last, policy, 2_000);
    expect(atThreshold).toMatchObject({ publish: true, reason: 'deviation' });
    expect(atThreshold.deviationBps).toBeCloseTo(50, 9);
    expect(decideUpdate(answered(99.5), last, policy, 2_000)).toMatchObject({ publish: true, reason: 'deviation' });
    expect(decideUpdate(answered(100.4999), last, policy, 2_000)).toMatchObject({ publish: false, reason: 'unchanged' });
  });

  it('calls a due heartbeat with a large move a deviation', () => {
    expect(decideUpdate(answered(110), last, policy, 100_000)).toMatchObject({ publish: true, reason: 'deviation' });
  });

  it('never publishes a value outside the bounds, even as the first', () => {
    const bounded = { ...policy, minAnswer: 50, maxAnswer: 150 };
    expect(decideUpdate(answered(151), undefined, bounded, 0)).toMatchObject({ publish: false, reason: 'out_of_bounds' });
    expect(decideUpdate(answered(49), last, bounded, 100_000)).toMatchObject({ publish: false, reason: 'out_of_bounds' });
    expect(decideUpdate(answered(150), undefined, bounded, 0)).toMatchObject({ publish: true, reason: 'first' });
  });

  it('never publishes a partial result, even when the heartbeat is due', () => {
    expect(decideUpdate(answered(120, true), last, policy, 100_000)).toEqual({ publish: false, reason: 'partial', deviationBps: 2000 });
    expect(decideUpdate(answered(120, true), undefined, policy, 0)).toMatchObject({ publish: false, reason: 'partial' });
  });

  it('never publishes when no usable answer came back', () => {
    expect(decideUpdate({ answered: false }, last, policy, 100_000)).toEqual({
      publish: false,
      reason: 'no_usable_answer',
      deviationBps: undefined,
    });
    expect(decideUpdate({ answered: false }, undefined, policy, 0)).toMatchObject({ publish: false, reason: 'no_usable_answer' });
  });

  it('treats any move away from a last value of 0 as a deviation, and none as unchanged', () => {
    const zero = { value: 0, publishedAtMs: 1_000 };
    expect(decideUpdate(answered(0.000001), zero, policy, 2_000)).toMatchObject({
      publish: true,
      reason: 'deviation',
      deviationBps: Number.MAX_VALUE,
    });
    expect(decideUpdate(answered(0), zero, policy, 2_000)).toEqual({ publish: false, reason: 'unchanged', deviationBps: 0 });
  });

  it('with a threshold of 0, publishes any change and nothing else', () => {
    const eager = { ...policy, deviationBps: 0 };
    expect(decideUpdate(answered(100.000001), last, eager, 2_000)).toMatchObject({ publish: true, reason: 'deviation' });
    expect(decideUpdate(answered(100), last, eager, 2_000)).toMatchObject({ publish: false, reason: 'unchanged' });
  });

  it('measures deviation in basis points of the last value', () => {
    expect(deviationInBps(101, 100)).toBeCloseTo(100, 10);
    expect(deviationInBps(-101, -100)).toBeCloseTo(100, 10);
  });
});
