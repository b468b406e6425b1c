import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_POLICY, WorkerHealth, type HealthPolicy, type TaskOutcome } from '../../src/coordinator/worker-health.ts';

const policy: HealthPolicy = { ...DEFAULT_HEALTH_POLICY, ejectAfterFailures: 2, ejectionBaseMs: 1000, ejectionMaxMs: 5000 };

const answer = (latencyMs: number, deadlineMs: number, deviation: number | undefined): TaskOutcome => ({
  kind: 'success',
  latencyMs,
  deadlineMs,
  deviation,
});
const failure: TaskOutcome = { kind: 'failure' };
const timeout: TaskOutcome = { kind: 'timeout' };

describe('WorkerHealth', () => {
  it('starts trusted and falls below the threshold after a run of failures', () => {
    const health = new WorkerHealth();
    expect(health.score).toBe(1);
    expect(health.isReliable(policy)).toBe(true);
    for (let i = 0; i < 4; i++) health.record(failure, policy, 0, false);
    // 0.8⁴ ≈ 0.41
    expect(health.score).toBeCloseTo(0.4096, 4);
    expect(health.isReliable(policy)).toBe(false);
  });

  it('scores a fast answer within tolerance near 1, and a distant one near 0', () => {
    const honest = new WorkerHealth();
    const liar = new WorkerHealth();
    for (let i = 0; i < 30; i++) {
      honest.record(answer(10, 2000, 0.001), policy, 0, true);
      liar.record(answer(10, 2000, 0.1), policy, 0, true);
    }
    expect(honest.score).toBeGreaterThan(0.99);
    expect(liar.score).toBeLessThan(0.01);
  });

  it('counts timeliness: an answer at the deadline is worth half', () => {
    const slow = new WorkerHealth();
    for (let i = 0; i < 50; i++) slow.record(answer(2000, 2000, 0), policy, 0, true);
    expect(slow.score).toBeCloseTo(0.5, 3);
  });

  it('ejects after N consecutive failures when allowed, and a success resets the count', () => {
    const health = new WorkerHealth();
    expect(health.record(timeout, policy, 0, true)).toBe(false);
    health.record(answer(5, 1000, undefined), policy, 0, true);
    expect(health.record(failure, policy, 0, true)).toBe(false);
    // The second in a row would eject, but the cap on ejected workers says no: the run goes on.
    expect(health.record(timeout, policy, 0, false)).toBe(false);
    expect(health.stats()).toMatchObject({ tasks: 4, successes: 1, failures: 1, timeouts: 2, consecutive_failures: 2 });
    expect(health.record(timeout, policy, 0, true)).toBe(true);
    expect(health.stats()).toMatchObject({ consecutive_failures: 0 });
  });

  it('doubles each repeated ejection up to the maximum, and forgives after a success', () => {
    const health = new WorkerHealth();
    const ejectAt = (now: number) => {
      health.record(failure, policy, now, true);
      health.record(failure, policy, now, true);
      return health.ejectedUntil;
    };
    expect(ejectAt(0)).toBe(1000);
    expect(health.isEjected(999)).toBe(true);
    expect(health.isEjected(1000)).toBe(false);
    expect(ejectAt(1000)).toBe(1000 + 2000);
    expect(ejectAt(3000)).toBe(3000 + 4000);
    expect(ejectAt(7000)).toBe(7000 + 5000);
    health.record(answer(1, 1000, undefined), policy, 20_000, true);
    expect(ejectAt(20_000)).toBe(21_000);
  });

  it('keeps the mean deviation finite for the largest deviations', () => {
    const health = new WorkerHealth();
    for (let i = 0; i < 3; i++) health.record(answer(1, 1000, Number.MAX_VALUE), policy, 0, true);
    expect(health.stats().mean_deviation).toBe(Number.MAX_VALUE);
    expect(health.score).toBeLessThan(0.6);
  });

  it('reports latency p50 and EWMA, and the mean deviation', () => {
    const health = new WorkerHealth();
    for (const latency of [10, 20, 30, 40]) health.record(answer(latency, 1000, 0.002), policy, 0, true);
    const stats = health.stats();
    expect(stats.latency_p50_ms).toBe(25);
    expect(stats.latency_ewma_ms).toBeCloseTo(0.2 * 40 + 0.8 * (0.2 * 30 + 0.8 * (0.2 * 20 + 0.8 * 10)), 3);
    expect(stats.mean_deviation).toBeCloseTo(0.002, 9);
  });

  it('keeps the latest 128 latencies in a fixed ring, oldest first', () => {
    const health = new WorkerHealth();
    for (let i = 1; i <= 200; i++) health.record(answer(i, 1000, undefined), policy, 0, true);
    const recent = health.recentLatencies();
    expect(recent).toHaveLength(128);
    expect(recent[0]).toBe(73);
    expect(recent.at(-1)).toBe(200);
  });
});
