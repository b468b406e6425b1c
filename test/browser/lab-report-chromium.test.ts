/**
 * The lab's HTML report in a real browser: opened from disk in headless Chromium, every chart is
 * present and drawn, the scorecard lists every strategy, and the page fetches nothing at all; the
 * same for a feed study's report, with its table and its two charts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studyFeeds, type FeedStudy } from '../../src/lab/feed-study.ts';
import { renderReport } from '../../src/lab/report.ts';
import { runScenario, type LabRun } from '../../src/lab/run.ts';
import { loadScenario, parseSweep } from '../../src/lab/scenario.ts';
import { launchChromium, requestsOffOrigin, watchPage, type Browser } from '../helpers/chromium.ts';
import { Cleanup } from '../helpers/network.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const cleanup = new Cleanup();
let browser: Browser;
let lab: LabRun;
let reportPath: string;
let feedStudy: FeedStudy;
let feedReportPath: string;

/** Five minutes of the jump scenario, one strategy, two thresholds. */
async function runFeedStudy(): Promise<{ lab: LabRun; study: FeedStudy }> {
  const scenario = await loadScenario('scenarios/feed-stale-jump.yaml', { durationMs: 300_000, strategies: ['median'] });
  if (scenario.feed === undefined) throw new Error('feed-stale-jump has no feed block');
  const feedLab = await runScenario(scenario);
  return { lab: feedLab, study: studyFeeds(feedLab, scenario.feed, parseSweep('deviation_bps=10,50', scenario)) };
}

beforeAll(async () => {
  let feed: { lab: LabRun; study: FeedStudy };
  [browser, lab, feed] = await Promise.all([
    launchChromium().then((launched) => cleanup.add(launched)),
    loadScenario('scenarios/byzantine-20.yaml', { requests: 12 }).then((scenario) => runScenario(scenario)),
    runFeedStudy(),
  ]);
  feedStudy = feed.study;
  await mkdir(ARTIFACTS, { recursive: true });
  reportPath = join(ARTIFACTS, 'lab-report.html');
  await writeFile(reportPath, renderReport(lab, new Date()));
  feedReportPath = join(ARTIFACTS, 'lab-feed-report.html');
  await writeFile(feedReportPath, renderReport(feed.lab, new Date(), feedStudy));
}, 60_000);
afterAll(() => cleanup.run());

describe('the lab report in Chromium', () => {
  it('shows the scorecard and every chart, drawn, offline', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    const watch = watchPage(page);
    await page.goto(pathToFileURL(reportPath).href, { waitUntil: 'load' });

    const strategies = await page.locator('#scorecard tr td:first-child').allTextContents();
    expect(strategies).toEqual(lab.runs.map((run) => run.variant.label));

    const charts = ['error-distribution', 'error-over-time', 'scores-over-time'];
    for (const chart of charts) {
      const svg = page.locator(`figure[data-chart="${chart}"] svg`);
      await expect.poll(() => svg.count()).toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width, chart).toBeGreaterThan(300);
      expect(box?.height, chart).toBeGreaterThan(100);
      const marks = await page.locator(`figure[data-chart="${chart}"] svg :is(path, circle)`).count();
      expect(marks, `${chart} has nothing drawn`).toBeGreaterThan(0);
    }
    // One line per worker in the scores chart.
    expect(await page.locator('figure[data-chart="scores-over-time"] svg path').count()).toBe(lab.workers.length);

    await page.screenshot({ path: join(ARTIFACTS, 'lab-report.png'), fullPage: true });
    expect(requestsOffOrigin(watch.requests, 'file:')).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(reportPath).href]);
    expect(watch.problems).toEqual([]);
    expect(await page.locator('#feed-study').count()).toBe(0);
  });

  it(
    'shows a feed study with its table, the truth against the published value, and the trade-off, offline',
    { timeout: 30_000 },
    async () => {
      const page = await browser.newPage();
      const watch = watchPage(page);
      await page.goto(pathToFileURL(feedReportPath).href, { waitUntil: 'load' });

      const rows = await page.locator('#feed-study tr td:nth-child(2)').allTextContents();
      expect(rows).toEqual(['10', '50']);
      const updates = await page.locator('#feed-study tr td:nth-child(4)').allTextContents();
      expect(updates).toEqual(feedStudy.records.map((r) => String(r.figures.publications)));

      for (const chart of ['feed-values', 'feed-tradeoff']) {
        const svg = page.locator(`figure[data-chart="${chart}"][data-variant="median"] svg`);
        await expect.poll(() => svg.count()).toBe(1);
        const box = await svg.boundingBox();
        expect(box?.width, chart).toBeGreaterThan(300);
        expect(box?.height, chart).toBeGreaterThan(100);
      }
      // The truth and one step line per setting: paths that move, in horizontal and vertical steps.
      const values = page.locator('figure[data-chart="feed-values"] svg path');
      expect(await values.count()).toBe(1 + feedStudy.settings.length);
      for (const path of await values.all()) expect(await path.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+ H[\d.]+ V[\d.]+/);
      // A dot per setting for the mean error and one for the p99.
      expect(await page.locator('figure[data-chart="feed-tradeoff"] svg circle').count()).toBe(2 * feedStudy.settings.length);

      await page.screenshot({ path: join(ARTIFACTS, 'lab-feed-report.png'), fullPage: true });
      expect(requestsOffOrigin(watch.requests, 'file:')).toEqual([]);
      expect(watch.requests).toEqual([pathToFileURL(feedReportPath).href]);
      expect(watch.problems).toEqual([]);
    },
  );
});
