/**
 * The lab on a recorded price path (scenarios/recorded-btc-usd.yaml): it replays exactly under
 * its seed, and the simulated workers report the recorded truth with their profiles' behaviour.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type LabRun } from '../../src/lab/run.ts';
import { loadScenario } from '../../src/lab/scenario.ts';
import { scoreLab } from '../../src/lab/scorecard.ts';
import { parseRecording } from '../../src/market/recording.ts';
import { median } from '../../src/stats/quantiles.ts';
import { readFile } from 'node:fs/promises';

/** The scorecard without the latencies, which depend on the machine. */
function figures(lab: LabRun) {
  return scoreLab(lab).map(({ label, meanErrorBps, p99ErrorBps, worstErrorBps, availability }) => ({
    label,
    meanErrorBps,
    p99ErrorBps,
    worstErrorBps,
    availability,
  }));
}

describe('a recorded truth in the lab', () => {
  it('gives the same scorecard twice under one seed, scored against the recorded prices', { timeout: 60_000 }, async () => {
    const scenario = await loadScenario('scenarios/recorded-btc-usd.yaml', { requests: 12, strategies: ['median', 'average'] });
    const first = await runScenario(scenario);
    const second = await runScenario(scenario);
    expect(figures(second)).toEqual(figures(first));
    expect(second.runs.map((run) => run.records.map((r) => r.finalValue))).toEqual(
      first.runs.map((run) => run.records.map((r) => r.finalValue)),
    );

    // The truth of the first request is the median of the three sources' first prices.
    const recording = parseRecording(await readFile('scenarios/recorded-btc-usd.ndjson', 'utf8'), 'recording');
    const firstPrices = recording.filter((o) => o.atMs === scenario.startMs).map((o) => o.value);
    expect(firstPrices).toHaveLength(3);
    const [median0] = first.runs[0]?.records ?? [];
    expect(median0?.truth).toBe(median(firstPrices));

    // Honest workers report that truth within their noise (0.1 %); the byzantine one 10 % above it.
    const answers = median0?.answers ?? [];
    for (const answer of answers.filter((a) => a.workerId.startsWith('honest'))) {
      expect(Math.abs((answer.value ?? 0) / (median0?.truth ?? 1) - 1)).toBeLessThanOrEqual(0.001);
    }
    const byzantine = answers.find((a) => a.workerId.startsWith('byzantine'));
    expect((byzantine?.value ?? 0) / (median0?.truth ?? 1)).toBeCloseTo(1.1, 2);
    const [medianScore, averageScore] = figures(first);
    expect(medianScore?.worstErrorBps).toBeLessThan(15);
    expect(averageScore?.meanErrorBps).toBeGreaterThan(80);
  });
});
