/**
 * What a browser (or curl) gets from the docs routes, without a browser: the pages, their
 * headers, the bundled specs and the Redoc bundle, as served by the coordinator and by a worker,
 * and the same docs built as static files by `npm run docs`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import { REDOCLY_CDN_LOGO, withoutRedoclyCdnLogo } from '../../src/docs/assets.ts';
import { bundleSpec } from '../../src/docs/bundle-spec.ts';
import { jsonForScriptElement } from '../../src/docs/pages.ts';
import { escapeMarkup } from '../../src/markup/escape.ts';
import { DOCS_SECURITY_HEADERS } from '../../src/docs/security-headers.ts';
import type { WorkerServer } from '../../src/worker/server.ts';
import { Cleanup, startTestCoordinator, startTestWorker } from '../helpers/network.ts';
import { runProgram } from '../helpers/run-program.ts';
import { loadResolvedSpec } from '../helpers/spec.ts';
import { COORDINATOR_SPEC_PATH, WORKER_SPEC_PATH } from '../../src/contract/spec-paths.ts';

const REDOC_BUNDLE = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
let worker: WorkerServer;
let scratch: string;

beforeAll(async () => {
  coordinator = cleanup.add(await startTestCoordinator());
  worker = cleanup.add(await startTestWorker('docs-worker'));
  scratch = await mkdtemp(join(tmpdir(), 'oracle-docs-'));
});
afterAll(async () => {
  await cleanup.run();
  await rm(scratch, { recursive: true, force: true });
});

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function statusOf(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** The src of every <script> and the href of every <link> and <a>. */
function referencedUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link|a)\b[^>]*?\s(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');
}

function embeddedSpec(html: string): unknown {
  const match = /<script id="api-spec" type="application\/json">([^<]*)<\/script>/.exec(html);
  if (match === null) throw new Error('the page embeds no spec');
  return JSON.parse(match[1] ?? '');
}

function titleOf(document: unknown): string {
  return (document as { info: { title: string } }).info.title;
}

function expectSecurityHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(DOCS_SECURITY_HEADERS)) expect(headers.get(name), name).toBe(value);
  const policy = headers.get('content-security-policy') ?? '';
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toMatch(/unsafe-eval|https?:/);
}

/** The operations of the served bundle, resolved, against those of the source spec. */
async function expectSameOperations(servedYaml: string, sourcePath: string): Promise<void> {
  const bundledPath = join(scratch, `bundled-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(bundledPath, servedYaml);
  const [served, source] = await Promise.all([loadResolvedSpec(bundledPath), loadResolvedSpec(sourcePath)]);
  expect((served.document as { paths: unknown }).paths).toEqual((source.document as { paths: unknown }).paths);
}

describe("the coordinator's docs", () => {
  it('serves an index linking to the reference and the spec of both APIs', async () => {
    const page = await get(`${coordinator.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(page.headers);
    expect(referencedUrls(page.text)).toEqual(
      expect.arrayContaining(['/docs/coordinator', '/docs/worker', '/openapi/coordinator.yaml', '/openapi/worker.yaml']),
    );
    for (const source of [COORDINATOR_SPEC_PATH, WORKER_SPEC_PATH])
      expect(page.text).toContain(escapeMarkup(titleOf((await loadResolvedSpec(source)).document)));
  });

  it('serves /docs/coordinator with every script from the coordinator itself', async () => {
    const page = await get(`${coordinator.url}/docs/coordinator`);
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>/g)].map((match) => match[1] ?? '');
    const external = scripts.filter((attributes) => !attributes.includes('type="application/json"'));
    expect(external).toEqual([' src="/docs/assets/redoc.standalone.js"', ' src="/docs/assets/redoc-init.js"']);
    for (const url of referencedUrls(page.text)) expect(url, 'every reference stays on this server').toMatch(/^\/(?!\/)|^data:/);
    // No inline script: the only <script> with content is the JSON data block.
    expect(page.text).not.toMatch(/<script>|<[^>]*\son[a-z]+=/);
  });

  it('embeds the same spec in the page as it serves at /openapi/coordinator.yaml', async () => {
    const [page, yaml] = await Promise.all([
      get(`${coordinator.url}/docs/coordinator`),
      get(`${coordinator.url}/openapi/coordinator.yaml`),
    ]);
    expect(embeddedSpec(page.text)).toEqual(parseYaml(yaml.text));
  });

  it('serves each spec as one self-contained YAML file equivalent to openapi/', async () => {
    for (const [name, source] of [
      ['coordinator', COORDINATOR_SPEC_PATH],
      ['worker', WORKER_SPEC_PATH],
    ] as const) {
      const reply = await get(`${coordinator.url}/openapi/${name}.yaml`);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
      expectSecurityHeaders(reply.headers);
      const refs = [...reply.text.matchAll(/\$ref: (\S+)/g)].map((match) => match[1] ?? '');
      expect(
        refs.filter((ref) => !ref.replace(/^['"]/, '').startsWith('#')),
        `${name}: references out of the file`,
      ).toEqual([]);
      await expectSameOperations(reply.text, source);
    }
  });

  it("serves the installed Redoc bundle, minus its one request to Redocly's CDN", async () => {
    const reply = await get(`${coordinator.url}/docs/assets/redoc.standalone.js`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expectSecurityHeaders(reply.headers);
    const installed = await readFile(REDOC_BUNDLE, 'utf8');
    expect(installed).toContain(REDOCLY_CDN_LOGO);
    expect(reply.text).toBe(withoutRedoclyCdnLogo(installed));
    expect(reply.text).not.toMatch(/https:\/\/cdn\.redoc\.ly/);
  });

  it('answers 304 to a revalidation with the current ETag', async () => {
    const first = await get(`${coordinator.url}/docs/coordinator`);
    const etag = first.headers.get('etag') ?? '';
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(etag).toMatch(/^".+"$/);
    // node:http rather than fetch: fetch adds Cache-Control: no-cache to a conditional request.
    expect(await statusOf(`${coordinator.url}/docs/coordinator`, { 'if-none-match': etag })).toBe(304);
    expect(await statusOf(`${coordinator.url}/docs/coordinator`, { 'if-none-match': '"something-else"' })).toBe(200);
  });

  it('answers HEAD, and refuses other methods with a 405 problem naming GET and HEAD', async () => {
    const head = await fetch(`${coordinator.url}/docs`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const post = await fetch(`${coordinator.url}/docs/coordinator`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await post.json()).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
  });
});

describe("a worker's docs", () => {
  it('documents its own API only', async () => {
    const index = await get(`${worker.url}/docs`);
    expect(referencedUrls(index.text)).toEqual(expect.arrayContaining(['/docs/worker', '/openapi/worker.yaml']));
    expect(index.text).not.toContain('/docs/coordinator');
    expect((await get(`${worker.url}/docs/worker`)).status).toBe(200);
    const spec = await get(`${worker.url}/openapi/worker.yaml`);
    await expectSameOperations(spec.text, WORKER_SPEC_PATH);
    const elsewhere = await get(`${worker.url}/docs/coordinator`);
    expect(elsewhere.status).toBe(404);
    expect((await get(`${worker.url}/openapi/coordinator.yaml`)).status).toBe(404);
  });
});

describe('npm run docs', { timeout: 30_000 }, () => {
  it('writes the same pages with relative links, the bundled specs and Redoc next to them', async () => {
    const out = join(scratch, 'static');
    const { code, stdout, stderr } = await runProgram('docs', ['--out', out], 30_000);
    expect(code, stderr).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(new RegExp(`^Wrote \\d+ files to ${out}:$`));
    for (const file of ['index.html', 'coordinator.html', 'worker.html', 'openapi/worker.yaml', 'assets/redoc.standalone.js'])
      expect(stdout).toContain(`  ${file}\n`);
    const html = await readFile(join(out, 'coordinator.html'), 'utf8');
    for (const url of referencedUrls(html)) expect(url, 'static pages only link next to themselves').toMatch(/^(?![a-z]+:|\/)|^data:/);
    expect(referencedUrls(html)).toEqual(
      expect.arrayContaining(['assets/redoc.standalone.js', 'assets/redoc-init.js', 'openapi/coordinator.yaml']),
    );
    const served = await get(`${coordinator.url}/openapi/coordinator.yaml`);
    expect(await readFile(join(out, 'openapi', 'coordinator.yaml'), 'utf8')).toBe(served.text);
    expect(embeddedSpec(html)).toEqual(parseYaml(served.text));
    const redoc = await readFile(join(out, 'assets', 'redoc.standalone.js'), 'utf8');
    expect(redoc).toBe((await get(`${coordinator.url}/docs/assets/redoc.standalone.js`)).text);
    const index = await readFile(join(out, 'index.html'), 'utf8');
    expect(referencedUrls(index)).toEqual(expect.arrayContaining(['coordinator.html', 'worker.html']));
  });
});

describe('bundling and rendering', () => {
  it('refuses to bundle a spec whose references do not resolve', async () => {
    const broken = join(scratch, 'broken.yaml');
    await writeFile(
      broken,
      "openapi: 3.1.0\ninfo: { title: Broken, version: '1' }\npaths: {}\ncomponents:\n  schemas:\n    Gone: { $ref: './missing.yaml#/schemas/Gone' }\n",
    );
    await expect(bundleSpec(broken)).rejects.toThrow(/^cannot bundle .*broken\.yaml: /);
  });

  it('escapes text and attributes', () => {
    expect(escapeMarkup(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('embeds JSON that cannot close its script element and parses back unchanged', () => {
    const value = { description: '</script><script>alert(1)</script> <!-- \u2028' };
    const embedded = jsonForScriptElement(value);
    expect(embedded).not.toMatch(/<|\u2028/);
    expect(JSON.parse(embedded)).toEqual(value);
  });
});
