/**
 * The docs in a real browser: headless Chromium renders the coordinator's /docs pages under
 * their Content-Security-Policy, and the static build from disk. Every operation's summary
 * (read from the served spec, not listed here) must show, the page must request nothing from
 * any other host, and no error (a CSP violation included) may reach the console. Screenshots go
 * to test-artifacts/.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import { COORDINATOR_DOCS } from '../../src/docs/apis.ts';
import { buildStaticDocs } from '../../src/docs/build-static.ts';
import { launchChromium, requestsOffOrigin, watchPage, type Browser } from '../helpers/chromium.ts';
import { Cleanup, startTestCoordinator } from '../helpers/network.ts';
import { SpecView } from '../helpers/spec.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const RENDER_TIMEOUT_MS = 20_000;

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
let browser: Browser;
let staticDocs: string;

beforeAll(async () => {
  [coordinator, browser, staticDocs] = await Promise.all([
    startTestCoordinator().then((server) => cleanup.add(server)),
    launchChromium().then((launched) => cleanup.add(launched)),
    mkdtemp(join(tmpdir(), 'oracle-static-docs-')),
    mkdir(ARTIFACTS, { recursive: true }),
  ]);
  await buildStaticDocs(staticDocs, COORDINATOR_DOCS);
}, 60_000);
afterAll(async () => {
  await cleanup.run();
  await rm(staticDocs, { recursive: true, force: true });
});

function summariesOf(specYaml: string): string[] {
  const summaries = new SpecView(parseYaml(specYaml)).operations().map((operation) => operation.summary);
  expect(summaries.length).toBeGreaterThan(0);
  for (const summary of summaries) expect(summary, 'every operation has a summary').toBeTypeOf('string');
  return summaries as string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Redoc renders each operation under an <h2> holding its summary. */
async function expectOperationsShown(page: Page, summaries: readonly string[]): Promise<void> {
  for (const summary of summaries) {
    const heading = page
      .locator('h2')
      .filter({ hasText: new RegExp(`^\\s*${escapeRegExp(summary)}\\s*$`) })
      .first();
    await heading.waitFor({ state: 'visible', timeout: RENDER_TIMEOUT_MS });
  }
}

/** Redoc's search runs in a blob: worker, which the page's CSP must allow. */
async function expectSearchFinds(page: Page, summary: string): Promise<void> {
  await page.getByPlaceholder('Search...').fill(summary);
  const result = page.locator('[data-role="search:results"] [role="menuitem"]').filter({ hasText: summary }).first();
  await result.waitFor({ state: 'visible', timeout: RENDER_TIMEOUT_MS });
  await page.getByPlaceholder('Search...').fill('');
}

describe('the docs the coordinator serves, in Chromium', () => {
  it('renders /docs/coordinator with every operation, from the coordinator alone', async () => {
    const summaries = summariesOf(await (await fetch(`${coordinator.url}/openapi/coordinator.yaml`)).text());
    const page = await browser.newPage();
    const watch = watchPage(page);
    const response = await page.goto(`${coordinator.url}/docs/coordinator`);
    expect(response?.status()).toBe(200);
    await expectOperationsShown(page, summaries);
    await expectSearchFinds(page, summaries.at(-1) ?? '');
    await page.screenshot({ path: join(ARTIFACTS, 'docs-coordinator.png') });
    expect(requestsOffOrigin(watch.requests, coordinator.url)).toEqual([]);
    expect(watch.requests).toContain(`${coordinator.url}/docs/assets/redoc.standalone.js`);
    expect(watch.problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('leads from the /docs index to the worker reference', async () => {
    const spec = await (await fetch(`${coordinator.url}/openapi/worker.yaml`)).text();
    const summaries = summariesOf(spec);
    const title = (parseYaml(spec) as { info: { title: string } }).info.title;
    const page = await browser.newPage();
    const watch = watchPage(page);
    await page.goto(`${coordinator.url}/docs`);
    await page.getByRole('link', { name: title, exact: true }).click();
    await page.waitForURL(`${coordinator.url}/docs/worker`);
    await expectOperationsShown(page, summaries);
    await page.screenshot({ path: join(ARTIFACTS, 'docs-worker.png') });
    expect(requestsOffOrigin(watch.requests, coordinator.url)).toEqual([]);
    expect(watch.problems).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('the docs `npm run docs` builds, opened from disk in Chromium', () => {
  it('renders coordinator.html with every operation and no request off the disk', async () => {
    const summaries = summariesOf(await readFile(join(staticDocs, 'openapi', 'coordinator.yaml'), 'utf8'));
    const page = await browser.newPage();
    const watch = watchPage(page);
    await page.goto(pathToFileURL(join(staticDocs, 'coordinator.html')).href);
    await expectOperationsShown(page, summaries);
    await expectSearchFinds(page, summaries[0] ?? '');
    await page.screenshot({ path: join(ARTIFACTS, 'docs-static-coordinator.png') });
    expect(requestsOffOrigin(watch.requests, 'file:')).toEqual([]);
    expect(watch.problems).toEqual([]);
    await page.close();
  }, 60_000);
});
