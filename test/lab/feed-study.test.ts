/**
 * Feed studies on fixed seeds, through real coordinators and workers on loopback: the polls are
 * real rounds, recorded once, and the update rule is replayed over them for each setting.
 */
import { describe, expect, it } from 'vitest';
import { studyFeeds, type FeedStudy } from '../../src/lab/feed-study.ts';
import { runScenario } from '../../src/lab/run.ts';
import { loadScenario, parseSweep, type Scenario } from '../../src/lab/scenario.ts';
import { scoreLab } from '../../src/lab/scorecard.ts';
import { nextJumpWindow, windowOf } from '../../src/market/market.ts';

async function sweep(scenario: Scenario, text: string): Promise<FeedStudy & { worstPollErrorBps: number }> {
  if (scenario.feed === undefined) throw new Error(`${scenario.name} has no feed block`);
  const lab = await runScenario(scenario);
  const worst = scoreLab(lab).map((s) => s.worstErrorBps ?? Number.NaN);
  return { ...studyFeeds(lab, scenario.feed, parseSweep(text, scenario)), worstPollErrorBps: Math.max(...worst) };
}

describe('a feed study', () => {
  it(
    'trades updates for reader error: a smaller threshold publishes more and strays less, in a calm market',
    { timeout: 60_000 },
    async () => {
      // Half an hour of the shipped calm scenario (180 polls), with a heartbeat too long to fire.
      const scenario = await loadScenario('scenarios/feed-calm.yaml', { durationMs: 1_800_000 });
      const start = windowOf(scenario.startMs);
      expect(nextJumpWindow(scenario.query, start)).toBeGreaterThanOrEqual(windowOf(scenario.startMs + 1_800_000));
      const study = await sweep(scenario, 'deviation_bps=10,25,50,100 heartbeat_ms=3600000');
      const figures = study.records.map((r) => r.figures);
      expect(study.records.map((r) => r.setting.deviationBps)).toEqual([10, 25, 50, 100]);

      const publications = figures.map((f) => f.publications);
      const meanErrors = figures.map((f) => f.meanErrorBps ?? Number.NaN);
      for (let i = 1; i < figures.length; i++) {
        expect(publications[i], `publications at ${study.settings[i]?.deviationBps} bps`).toBeLessThan(publications[i - 1] ?? 0);
        expect(meanErrors[i], `mean error at ${study.settings[i]?.deviationBps} bps`).toBeGreaterThan(meanErrors[i - 1] ?? 0);
      }
      for (const { setting, figures: f } of study.records) {
        expect(f.polls).toBe(180);
        expect(f.unserved).toBe(0);
        expect(f.byReason).toMatchObject({ first: 1, heartbeat: 0 });
        expect(f.perHour).toBeCloseTo(f.publications * 2, 9);
        // Between publications the polls stay within the threshold of the value read, so the
        // reader strays at most the threshold (and a hair for the moving base) plus a poll's own error.
        expect(f.maxErrorBps).toBeLessThanOrEqual(setting.deviationBps * 1.01 + study.worstPollErrorBps);
      }
    },
  );

  it('replays exactly under its seed, and shows the stale minority pulling the average across the jump', { timeout: 60_000 }, async () => {
    // Ten minutes of the shipped jump scenario: five before the 8 % jump, five after.
    const scenario = await loadScenario('scenarios/feed-stale-jump.yaml', { durationMs: 600_000 });
    const grid = 'deviation_bps=10,100 heartbeat_ms=60000,600000';
    const first = await sweep(scenario, grid);
    const second = await sweep(scenario, grid);
    expect(second.records).toEqual(first.records);
    expect(first.records).toHaveLength(8);
    const other = await sweep({ ...scenario, seed: scenario.seed + 1 }, grid);
    expect(other.records.map((r) => r.readerErrorsBps)).not.toEqual(first.records.map((r) => r.readerErrorsBps));

    const find = (variant: string, deviationBps: number, heartbeatMs: number) => {
      const found = first.records.find(
        (r) => r.variant === variant && r.setting.deviationBps === deviationBps && r.setting.heartbeatMs === heartbeatMs,
      );
      if (found === undefined) throw new Error(`no record for ${variant} at ${deviationBps} bps, ${heartbeatMs} ms`);
      return found.figures;
    };
    // At a 10 bps threshold the median follows the jump within the honest noise; under any
    // setting the average publishes the stale workers' pull, about 3/10 of the jump, for the
    // minute they lag.
    expect(find('median', 10, 600_000).maxErrorBps).toBeLessThan(30);
    for (const record of first.records.filter((r) => r.variant === 'average')) expect(record.figures.maxErrorBps).toBeGreaterThan(150);
    // The jump is a deviation at any threshold: it is published at once, not at the next heartbeat.
    expect(find('median', 100, 600_000).byReason.deviation).toBeGreaterThanOrEqual(1);
    expect(find('median', 100, 600_000).longestGapMs).toBeLessThanOrEqual(600_000);
    expect(find('median', 100, 60_000).longestGapMs).toBe(60_000);
  });
});
