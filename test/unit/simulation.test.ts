import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_MS, nextJumpWindow, priceInWindow, REGIME_WINDOWS, truePrice, windowOf } from '../../src/market/market.ts';
import { createRandom } from '../../src/market/random.ts';
import { planTask, simulationFor, taskRandom, type Profile, type SimulationSettings, type TaskPlan } from '../../src/worker/simulation.ts';

const NOW = Date.UTC(2026, 10, 29, 12);
const base = simulationFor('honest', { minDelayMs: 10, maxDelayMs: 50, failureRate: 0.3, noise: 0.01 });

function plans(seed: number, count: number, settings: SimulationSettings = base): TaskPlan[] {
  return Array.from({ length: count }, (_, i) =>
    planTask('BTC/USD', settings, taskRandom(seed, 'BTC/USD', NOW + i * DEFAULT_WINDOW_MS), NOW + i * DEFAULT_WINDOW_MS),
  );
}

function values(profile: Profile, explicit: Partial<SimulationSettings> = {}, seed = 1, count = 200): { value: number; truth: number }[] {
  const settings = simulationFor(profile, { failureRate: 0, ...explicit });
  return plans(seed, count, settings).map((plan, i) => {
    if (plan.kind !== 'value') throw new Error('unexpected failure');
    return { value: plan.value, truth: truePrice('BTC/USD', NOW + i * DEFAULT_WINDOW_MS) };
  });
}

const relativeError = ({ value, truth }: { value: number; truth: number }) => (value - truth) / truth;

describe('planTask', () => {
  it('replays exactly under the same seed, and differs under another', () => {
    expect(plans(7, 50)).toEqual(plans(7, 50));
    expect(plans(7, 50)).not.toEqual(plans(8, 50));
  });
  it('depends on the task, not on the order tasks arrive in', () => {
    const forward = plans(3, 20);
    const at = (i: number) => planTask('BTC/USD', base, taskRandom(3, 'BTC/USD', NOW + i * DEFAULT_WINDOW_MS), NOW + i * DEFAULT_WINDOW_MS);
    expect([19, 4, 11].map(at)).toEqual([forward[19], forward[4], forward[11]]);
  });
  it('keeps delays within bounds', () => {
    for (const plan of plans(1, 200)) {
      expect(plan.delayMs).toBeGreaterThanOrEqual(10);
      expect(plan.delayMs).toBeLessThanOrEqual(50);
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
    expect(plans(4, 100, { ...base, failureRate: 0 }).every((p) => p.kind === 'value')).toBe(true);
    expect(plans(4, 100, { ...base, failureRate: 1, failureModes: ['outage'] }).every((p) => p.kind === 'outage')).toBe(true);
  });
});

describe('fault profiles', () => {
  it('honest: within ±noise of the truth', () => {
    for (const v of values('honest')) expect(Math.abs(relativeError(v))).toBeLessThanOrEqual(0.001 + 1e-12);
  });
  it('noisy: spreads ten times wider than honest by default', () => {
    const errors = values('noisy').map((v) => Math.abs(relativeError(v)));
    expect(Math.max(...errors)).toBeLessThanOrEqual(0.02 + 1e-12);
    expect(Math.max(...errors)).toBeGreaterThan(0.015);
  });
  it('slow: takes 500 to 1500 ms by default', () => {
    const settings = simulationFor('slow');
    for (const plan of plans(5, 100, settings)) {
      expect(plan.delayMs).toBeGreaterThanOrEqual(500);
      expect(plan.delayMs).toBeLessThanOrEqual(1500);
    }
  });
  it('flaky: fails about half the time by default', () => {
    const all = plans(6, 1000, simulationFor('flaky'));
    const share = all.filter((p) => p.kind !== 'value').length / all.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
  });
  it('byzantine (bias): consistently 10 % high by default', () => {
    for (const v of values('byzantine')) expect(relativeError(v)).toBeCloseTo(0.1, 2);
  });
  it('byzantine (wild): anywhere from a tenth to ten times the truth', () => {
    const ratios = values('byzantine', { byzantineMode: 'wild' }).map((v) => v.value / v.truth);
    expect(Math.min(...ratios)).toBeGreaterThanOrEqual(0.1 * 0.999);
    expect(Math.max(...ratios)).toBeLessThanOrEqual(10 * 1.001);
    expect(ratios.filter((r) => r < 0.5).length).toBeGreaterThan(10);
    expect(ratios.filter((r) => r > 2).length).toBeGreaterThan(10);
  });
  it('stale: reports the truth of six windows ago', () => {
    const settings = simulationFor('stale', { failureRate: 0, noise: 0 });
    const [plan] = plans(1, 1, settings);
    expect(plan).toMatchObject({ kind: 'value', value: truePrice('BTC/USD', NOW - 6 * DEFAULT_WINDOW_MS) });
  });
  it('colluding: every member reports the same wrong value, whatever its seed', () => {
    const a = values('colluding', {}, 1, 20);
    const b = values('colluding', {}, 99, 20);
    expect(a.map((v) => v.value)).toEqual(b.map((v) => v.value));
    for (const v of a) expect(relativeError(v)).toBeCloseTo(-0.08, 9);
  });
});

describe('market', () => {
  it('is deterministic for a query and window', () => {
    expect(truePrice('ETH/USD', NOW)).toBe(truePrice('ETH/USD', NOW + 1));
    expect(priceInWindow('ETH/USD', 123)).toBe(priceInWindow('ETH/USD', 123));
  });
  it('moves only a little between neighbouring windows inside a regime', () => {
    let window = windowOf(NOW);
    if ((window + 1) % REGIME_WINDOWS === 0) window++;
    const step = Math.abs(priceInWindow('BTC/USD', window + 1) / priceInWindow('BTC/USD', window) - 1);
    expect(step).toBeLessThan(0.003);
  });
  it('jumps by about 8 % where the regime flips', () => {
    const jump = nextJumpWindow('BTC/USD', windowOf(NOW));
    expect(jump % REGIME_WINDOWS).toBe(0);
    const size = Math.abs(priceInWindow('BTC/USD', jump) / priceInWindow('BTC/USD', jump - 1) - 1);
    expect(size).toBeGreaterThan(0.06);
    expect(size).toBeLessThan(0.1);
  });
  it('gives every query a positive price near its base', () => {
    expect(truePrice('BTC/USD', NOW)).toBeGreaterThan(42_000 * 0.92);
    expect(truePrice('BTC/USD', NOW)).toBeLessThan(42_000 * 1.08);
    expect(truePrice('ZZZ/QQQ', NOW)).toBeGreaterThan(0);
  });
  it('draws uniformly from the seeded generator', () => {
    const random = createRandom(1);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((a, b) => a + b) / draws.length).toBeCloseTo(0.5, 1);
  });
});
