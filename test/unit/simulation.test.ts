import { describe, expect, it } from 'vitest';
import { priceInWindow, truePrice, windowOf } from '../../src/shared/market.ts';
import { createRandom } from '../../src/shared/random.ts';
import { planTask, type SimulationSettings } from '../../src/worker/simulation.ts';

const settings: SimulationSettings = { minDelayMs: 10, maxDelayMs: 50, failureRate: 0.3, failureModes: ['error', 'outage', 'hang'], noise: 0.01 };
const NOW = Date.UTC(2026, 10, 29, 12);

function plans(seed: number, count: number, overrides: Partial<SimulationSettings> = {}) {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => planTask('BTC/USD', { ...settings, ...overrides }, random, NOW));
}

describe('planTask', () => {
  it('replays exactly under the same seed', () => {
    expect(plans(7, 50)).toEqual(plans(7, 50));
    expect(plans(7, 50)).not.toEqual(plans(8, 50));
  });
  it('keeps delays within bounds', () => {
    for (const plan of plans(1, 200)) {
      expect(plan.delayMs).toBeGreaterThanOrEqual(10);
      expect(plan.delayMs).toBeLessThanOrEqual(50);
    }
  });
  it('keeps values within ±noise of the true price', () => {
    const truth = truePrice('BTC/USD', NOW);
    for (const plan of plans(2, 200, { failureRate: 0 })) {
      expect(plan.kind).toBe('value');
      if (plan.kind === 'value') expect(Math.abs(plan.value - truth) / truth).toBeLessThanOrEqual(0.01 + 1e-12);
    }
  });
  it('fails at roughly the configured rate, in every configured mode', () => {
    const all = plans(3, 2000);
    const failures = all.filter((p) => p.kind !== 'value');
    expect(failures.length / all.length).toBeGreaterThan(0.25);
    expect(failures.length / all.length).toBeLessThan(0.35);
    expect(new Set(failures.map((p) => p.kind))).toEqual(new Set(['error', 'outage', 'hang']));
  });
  it('never fails at rate 0 and always fails at rate 1', () => {
    expect(plans(4, 100, { failureRate: 0 }).every((p) => p.kind === 'value')).toBe(true);
    expect(plans(4, 100, { failureRate: 1, failureModes: ['outage'] }).every((p) => p.kind === 'outage')).toBe(true);
  });
});

describe('market', () => {
  it('is deterministic for a query and window', () => {
    expect(truePrice('ETH/USD', NOW)).toBe(truePrice('ETH/USD', NOW + 1));
    expect(priceInWindow('ETH/USD', 123)).toBe(priceInWindow('ETH/USD', 123));
  });
  it('moves only a little between neighbouring windows', () => {
    const window = windowOf(NOW);
    const step = Math.abs(priceInWindow('BTC/USD', window + 1) / priceInWindow('BTC/USD', window) - 1);
    expect(step).toBeLessThan(0.003);
  });
  it('gives every query a positive price near its base', () => {
    expect(truePrice('BTC/USD', NOW)).toBeGreaterThan(40_000 * 0.97);
    expect(truePrice('BTC/USD', NOW)).toBeLessThan(42_000 * 1.03);
    expect(truePrice('ZZZ/QQQ', NOW)).toBeGreaterThan(0);
  });
});
