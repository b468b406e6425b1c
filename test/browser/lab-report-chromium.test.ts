/**
 * The lab's HTML report in a real browser: opened from disk in headless Chromium, every chart is
 * present and drawn, the scorecard lists every strategy, and the page fetches nothing at all.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/lab/report.ts';
import { runScenario, type LabRun } from '../../src/lab/run.ts';
import { loadScenario } from '../../src/lab/scenario.ts';
import { launchChromium, requestsOffOrigin, watchPage, type Browser } from '../helpers/chromium.ts';
import { Cleanup } from '../helpers/network.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const cleanup = new Cleanup();
let browser: Browser;
let lab: LabRun;
let reportPath: string;

beforeAll(async () => {
  [browser, lab] = await Promise.all([
    launchChromium().then((launched) => cleanup.add(launched)),
    loadScenario('scenarios/byzantine-20.yaml', { requests: 12 }).then((scenario) => runScenario(scenario)),
  ]);
  await mkdir(ARTIFACTS, { recursive: true });
  reportPath = join(ARTIFACTS, 'lab-report.html');
  await writeFile(reportPath, renderReport(lab, new Date()));
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
  });
});
