import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_POLICY, WorkerHealth, type HealthPolicy } from '../../src/coordinator/worker-health.ts';

const policy: HealthPolicy = { ...DEFAULT_HEALTH_POLICY, ejectAfterFailures: 2, ejectionBaseMs: 1000, ejectionMaxMs: 5000 };

describe('WorkerHealth', () => {
  it('starts trusted and falls below the threshold after a run of failures', () => {
    const health = new WorkerHealth();
    expect(health.score).toBe(1);
    expect(health.isReliable(policy)).toBe(true);
    for (let i = 0; i < 4; i++) health.recordFailure('failure', policy);
    // 0.8⁴ ≈ 0.41
    expect(health.score).toBeCloseTo(0.4096, 4);
    expect(health.isReliable(policy)).toBe(false);
  });

  it('scores a fast answer within tolerance near 1, and a distant one near 0', () => {
    const honest = new WorkerHealth();
    const liar = new WorkerHealth();
    for (let i = 0; i < 30; i++) {
      honest.recordSuccess(10, 2000, 0.001, policy);
      liar.recordSuccess(10, 2000, 0.1, policy);
    }
    expect(honest.score).toBeGreaterThan(0.99);
    expect(liar.score).toBeLessThan(0.01);
  });

  it('counts timeliness: an answer at the deadline is worth half', () => {
    const slow = new WorkerHealth();
    for (let i = 0; i < 50; i++) slow.recordSuccess(2000, 2000, 0, policy);
    expect(slow.score).toBeCloseTo(0.5, 3);
  });

  it('asks for ejection after N consecutive failures, and a success resets the count', () => {
    const health = new WorkerHealth();
    expect(health.recordFailure('timeout', policy)).toBe(false);
    health.recordSuccess(5, 1000, undefined, policy);
    expect(health.recordFailure('failure', policy)).toBe(false);
    expect(health.recordFailure('timeout', policy)).toBe(true);
    expect(health.stats()).toMatchObject({ tasks: 4, successes: 1, failures: 1, timeouts: 2, consecutive_failures: 2 });
  });

  it('doubles each repeated ejection up to the maximum, and forgives after a success', () => {
    const health = new WorkerHealth();
    expect(health.eject(0, policy)).toBe(1000);
    expect(health.isEjected(999)).toBe(true);
    expect(health.isEjected(1000)).toBe(false);
    expect(health.eject(1000, policy)).toBe(1000 + 2000);
    expect(health.eject(3000, policy)).toBe(3000 + 4000);
    expect(health.eject(7000, policy)).toBe(7000 + 5000);
    health.recordSuccess(1, 1000, undefined, policy);
    expect(health.eject(20_000, policy)).toBe(21_000);
  });

  it('keeps the mean deviation finite for the largest deviations', () => {
    const health = new WorkerHealth();
    for (let i = 0; i < 3; i++) health.recordSuccess(1, 1000, Number.MAX_VALUE, policy);
    expect(health.stats().mean_deviation).toBe(Number.MAX_VALUE);
    expect(health.score).toBeLessThan(0.6);
  });

  it('reports latency p50 and EWMA, and the mean deviation', () => {
    const health = new WorkerHealth();
    for (const latency of [10, 20, 30, 40]) health.recordSuccess(latency, 1000, 0.002, policy);
    const stats = health.stats();
    expect(stats.latency_p50_ms).toBe(25);
    expect(stats.latency_ewma_ms).toBeCloseTo(0.2 * 40 + 0.8 * (0.2 * 30 + 0.8 * (0.2 * 20 + 0.8 * 10)), 3);
    expect(stats.mean_deviation).toBeCloseTo(0.002, 9);
  });
});
