/**
 * Workers that answer from real sources, over HTTP: the median of several sources, bursts
 * coalesced into one upstream call per source, secrets kept out of logs and answers, the
 * endpoint policy applied to sources, deadlines and shutdown, recording, and a coordinator
 * aggregating three sourced workers. Every fixture listens on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createOracleClient, verifyOracleResult } from '../../src/client/client.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { parseRecording } from '../../src/market/recording.ts';
import { openRecorder } from '../../src/worker/sources/recorder.ts';
import { expectData, submitRequest, workerApi } from '../helpers/clients.ts';
import { fakeResolver } from '../helpers/fake-dns.ts';
import { Cleanup, silentLogger, startTestCoordinator } from '../helpers/network.ts';
import { providerBodies, startPriceFixture, type FixtureReply, type PriceFixture } from '../helpers/price-fixtures.ts';
import { observerOf, sourcesFrom, startSourcedWorker } from '../helpers/sources.ts';
import { registerSigned } from '../helpers/signing.ts';
import { temporaryDirectory } from '../helpers/temporary.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const never = new AbortController().signal;

/** A fixture answering every request like Coinbase's spot price, `amount` as given. */
async function coinbaseLike(amount: string, delayMs?: number): Promise<PriceFixture> {
  return cleanup.add(
    await startPriceFixture(() => ({ body: providerBodies.coinbaseSpot(amount), ...(delayMs === undefined ? {} : { delayMs }) })),
  );
}

/** Waits (briefly, polling) until `condition` holds. */
async function until(condition: () => boolean, limitMs = 2000): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function captureLog(level: 'debug' | 'info' = 'debug') {
  const lines: string[] = [];
  return { lines, logger: createLogger('worker', level, { write: (line: string) => void lines.push(line) }) };
}

describe('a worker with several sources', () => {
  async function threeSources(third: FixtureReply = { status: 500, body: 'upstream exploded' }) {
    const coinbase = await coinbaseLike('100');
    const kraken = cleanup.add(await startPriceFixture(() => ({ body: providerBodies.krakenTicker('102') })));
    const bitstamp = cleanup.add(await startPriceFixture(() => third));
    return {
      fixtures: [coinbase, kraken, bitstamp],
      text: `
sources:
  - name: coinbase
    preset: coinbase-spot
    url: ${coinbase.url}/v2/prices/{base}-{quote}/spot
  - name: kraken
    preset: kraken-ticker
    url: ${kraken.url}/0/public/Ticker
  - name: bitstamp
    preset: bitstamp-ticker
    url: ${bitstamp.url}/api/v2/ticker/{base_lower}{quote_lower}/
`,
    };
  }

  it('answers the median of the sources that answered, when one of three fails', async () => {
    const { text } = await threeSources();
    const { lines, logger } = captureLog();
    const worker = cleanup.add(await startSourcedWorker('sourced-1', sourcesFrom(text), { logger }));
    const result = expectData(await workerApi(worker).POST('/task', { body: { id: 'req-1', query: 'BTC/USD' } }));
    expect(result).toMatchObject({ worker_id: 'sourced-1', request_id: 'req-1', value: 101, reliable: true });
    expect(result.err).toBeUndefined();
    const asked = lines.map((line) => JSON.parse(line) as { msg: string; answered?: number; asked?: number; failures?: string[] });
    expect(asked.find((entry) => entry.msg === 'sources asked')).toMatchObject({ answered: 2, asked: 3, failures: ['bitstamp: HTTP 500'] });
  });

  it('fails the task softly, naming each source and its reason, when no source answered or too few did', async () => {
    const { text } = await threeSources();
    const worker = cleanup.add(await startSourcedWorker('sourced-1', sourcesFrom(`min_sources: 3\n${text}`)));
    const result = expectData(await workerApi(worker).POST('/task', { body: { id: 'req-2', query: 'BTC/USD' } }));
    expect(result).toMatchObject({ value: 0, reliable: false, err: '2 of 3 sources answered, 3 needed: bitstamp: HTTP 500' });

    const down = cleanup.add(await startPriceFixture(() => ({ status: 429, headers: { 'retry-after': '30' } })));
    const missing = cleanup.add(await startPriceFixture(() => ({ body: providerBodies.krakenError('EQuery:Unknown asset pair') })));
    const broken = cleanup.add(
      await startSourcedWorker(
        'sourced-2',
        sourcesFrom(`
sources:
  - { name: coinbase, preset: coinbase-spot, url: "${down.url}/v2/prices/{base}-{quote}/spot" }
  - { name: kraken, preset: kraken-ticker, url: "${missing.url}/0/public/Ticker", error_path: "$.nothing" }
`),
      ),
    );
    const failed = expectData(await workerApi(broken).POST('/task', { body: { id: 'req-3', query: 'BTC/USD' } }));
    expect(failed).toMatchObject({
      value: 0,
      reliable: false,
      err: 'no source answered (0 of 2): coinbase: HTTP 429 (retry after 30 s); kraken: no price at $.result.*.c[0]',
    });
  });

  it('makes one upstream call per source for 100 concurrent tasks, and one more for another pair', async () => {
    const slow = { status: 200, body: providerBodies.bitstampTicker('101'), delayMs: 30 };
    const { text, fixtures } = await threeSources(slow);
    const worker = cleanup.add(await startSourcedWorker('sourced-1', sourcesFrom(text)));
    const api = workerApi(worker);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => api.POST('/task', { body: { id: `burst-${i}`, query: 'BTC/USD' } }).then(expectData)),
    );
    expect(new Set(results.map((r) => r.value))).toEqual(new Set([101]));
    expect(fixtures.map((fixture) => fixture.requests.length)).toEqual([1, 1, 1]);
    expectData(await api.POST('/task', { body: { id: 'eth', query: 'ETH/USD' } }));
    expect(fixtures.map((fixture) => fixture.requests.length)).toEqual([2, 2, 2]);
  });

  it('answers an inverse pair as the reciprocal of the reversed one, sharing its call', async () => {
    const yen = await coinbaseLike('150');
    const observer = observerOf(
      sourcesFrom(`sources: [{ name: yen, preset: coinbase-spot, url: "${yen.url}/v2/prices/{base}-{quote}/spot", inverse: [JPY/USD] }]`),
    );
    cleanup.add({ close: () => observer.close?.() ?? Promise.resolve() });
    expect(await observer.observe('JPY/USD', Date.now(), never)).toEqual({ value: 1 / 150 });
    expect(await observer.observe('USD/JPY', Date.now(), never)).toEqual({ value: 150 });
    expect(yen.requests.map((r) => r.path)).toEqual(['/v2/prices/USD-JPY/spot']);
  });

  it('multiplies what it finds by times, for a provider that quotes in cents', async () => {
    const cents = await coinbaseLike('4200000');
    const observer = observerOf(
      sourcesFrom(`sources: [{ name: cents, url: "${cents.url}/prices/{base}{quote}", path: data.amount, times: 0.01 }]`),
    );
    cleanup.add({ close: () => observer.close?.() ?? Promise.resolve() });
    expect(await observer.observe('BTC/USD', Date.now(), never)).toEqual({ value: 42_000 });
    expect(cents.requests.map((r) => r.path)).toEqual(['/prices/BTCUSD']);
  });
});

describe('secrets', () => {
  const SECRET = 'sk-test-5f2c9a1e7b44';

  it('sends a secret from the environment in its header and query, and never writes it to a log line or an answer', async () => {
    const provider = cleanup.add(
      await startPriceFixture((request) => ({
        status: 401,
        // A provider that quotes the key back, in its message and in a redirect, is the worst case.
        body: { errors: [{ message: `invalid key ${String(request.headers['x-api-key'])} for ?key=${request.query.get('key') ?? ''}` }] },
      })),
    );
    const { lines, logger } = captureLog();
    const configuration = sourcesFrom(
      `
sources:
  - name: keyed
    preset: coinbase-spot
    url: ${provider.url}/v2/prices/{base}-{quote}/spot
    headers: { X-Api-Key: "\${PRICE_API_KEY}" }
    query: { key: "\${PRICE_API_KEY}" }
`,
      { PRICE_API_KEY: SECRET },
    );
    const worker = cleanup.add(await startSourcedWorker('keyed-worker', configuration, { logger }));
    const reply = await workerApi(worker).POST('/task', { body: { id: 'req-secret', query: 'BTC/USD' } });
    const body = JSON.stringify(reply.data);
    expect(provider.requests[0]?.headers['x-api-key']).toBe(SECRET);
    expect(provider.requests[0]?.query.get('key')).toBe(SECRET);
    expect(reply.data?.err).toBe('no source answered (0 of 1): keyed: HTTP 401: invalid key [redacted] for ?key=[redacted]');
    await worker.close();
    const log = lines.join('');
    expect(log).toContain('source failed');
    for (const text of [body, log]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(encodeURIComponent(SECRET));
    }
  });
});

describe('the endpoint policy for sources', () => {
  it('refuses loopback unless it is allowed, and a hostname that resolves to the metadata address always', async () => {
    const fixture = await coinbaseLike('42000');
    const port = new URL(fixture.url).port;
    const text = `
sources:
  - { name: local, preset: coinbase-spot, url: "${fixture.url}/v2/prices/{base}-{quote}/spot" }
  - { name: named, preset: coinbase-spot, url: "http://prices.test:${port}/v2/prices/{base}-{quote}/spot" }
  - { name: metadata, preset: coinbase-spot, url: "http://metadata.test:${port}/latest/meta-data" }
`;
    const resolve = fakeResolver({ 'prices.test': '127.0.0.1', 'metadata.test': '169.254.169.254' });
    const closed = observerOf(sourcesFrom(text), { allowedNetworks: [], resolve });
    const open = observerOf(sourcesFrom(text), { resolve });
    for (const observer of [closed, open]) cleanup.add({ close: () => observer.close?.() ?? Promise.resolve() });

    const refused = await closed.observe('BTC/USD', Date.now(), never);
    expect(refused).toEqual({
      err:
        'no source answered (0 of 3): local: refused: address 127.0.0.1 is not public and outside the allowed source networks; ' +
        'named: refused: source host prices.test resolves to a refused address: address 127.0.0.1 is not public and outside the allowed source networks; ' +
        'metadata: refused: source host metadata.test resolves to a refused address: address 169.254.169.254 is never allowed (link-local, metadata, multicast or unspecified)',
    });
    expect(fixture.requests).toHaveLength(0);

    expect(await open.observe('BTC/USD', Date.now(), never)).toEqual({ value: 42000 });
    expect(fixture.requests).toHaveLength(2);
  });
});

describe('deadlines and shutdown', () => {
  it('stops a task at once when its caller goes away, while the shared call runs on for the next task', async () => {
    const fixture = await coinbaseLike('42000', 100);
    const observer = observerOf(
      sourcesFrom(`sources: [{ name: slow, preset: coinbase-spot, url: "${fixture.url}/v2/prices/{base}-{quote}/spot" }]`),
    );
    cleanup.add({ close: () => observer.close?.() ?? Promise.resolve() });
    const caller = new AbortController();
    const abandoned = observer.observe('BTC/USD', Date.now(), caller.signal);
    await until(() => fixture.requests.length === 1);
    const started = performance.now();
    caller.abort(new Error('the coordinator hung up'));
    await expect(abandoned).rejects.toThrow('the coordinator hung up');
    expect(performance.now() - started).toBeLessThan(50);
    expect(await observer.observe('BTC/USD', Date.now(), never)).toEqual({ value: 42000 });
    expect(fixture.requests).toHaveLength(1);
  });

  it('answers a live price for now only, not for a past as_of', async () => {
    const fixture = await coinbaseLike('42000');
    const observer = observerOf(
      sourcesFrom(`sources: [{ name: live, preset: coinbase-spot, url: "${fixture.url}/v2/prices/{base}-{quote}/spot" }]`),
    );
    cleanup.add({ close: () => observer.close?.() ?? Promise.resolve() });
    const hourAgo = Date.now() - 3_600_000;
    expect(await observer.observe('BTC/USD', hourAgo, never)).toEqual({
      err: `live sources price the present, not ${new Date(hourAgo).toISOString()}`,
    });
    expect(fixture.requests).toHaveLength(0);
  });

  it('cancels upstream calls in flight when the worker shuts down', async () => {
    const fixture = await coinbaseLike('42000', 5000);
    const worker = await startSourcedWorker(
      'closing',
      sourcesFrom(
        `sources: [{ name: hanging, preset: coinbase-spot, url: "${fixture.url}/v2/prices/{base}-{quote}/spot", timeout_ms: 10000 }]`,
      ),
    );
    const task = workerApi(worker)
      .POST('/task', { body: { id: 'req-late', query: 'BTC/USD' } })
      .then(
        (reply) => reply.data?.err,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    await until(() => fixture.requests.length === 1);
    const started = performance.now();
    await worker.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await task).toBe('no source answered (0 of 1): hanging: cancelled (the worker is shutting down)');
  });
});

describe('recording', () => {
  it('appends every upstream observation with its time, source, pair and value, and nothing else', async () => {
    const directory = cleanup.add(await temporaryDirectory());
    const path = join(directory.path, 'prices.ndjson');
    const fixture = await coinbaseLike('42000.5');
    const clock = { now: Date.UTC(2026, 2, 2, 14) };
    const observer = observerOf(
      sourcesFrom(
        `sources: [{ name: coinbase, preset: coinbase-spot, url: "${fixture.url}/v2/prices/{base}-{quote}/spot", headers: { x-key: "\${KEY}" } }]`,
        { KEY: 'secret-value-123' },
      ),
      { now: () => clock.now, recorder: openRecorder(path, silentLogger) },
    );
    await observer.observe('BTC/USD', clock.now, never);
    await observer.observe('BTC/USD', clock.now, never);
    clock.now += 5000;
    await observer.observe('BTC/USD', clock.now, never);
    await observer.close?.();
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('secret-value-123');
    expect(text.split('\n')[0]).toBe('{"at":"2026-03-02T14:00:00.000Z","source":"coinbase","query":"BTC/USD","value":42000.5}');
    expect(parseRecording(text, path)).toEqual([
      { atMs: Date.UTC(2026, 2, 2, 14), source: 'coinbase', query: 'BTC/USD', value: 42000.5 },
      { atMs: Date.UTC(2026, 2, 2, 14, 0, 5), source: 'coinbase', query: 'BTC/USD', value: 42000.5 },
    ]);
  });
});

describe('a coordinator with three sourced workers', () => {
  it('aggregates their signed answers over real HTTP, into a result anyone can verify', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ requireSignatures: 'on' }));
    for (const [i, amount] of ['100.0', '100.1', '100.2'].entries()) {
      const fixture = await coinbaseLike(amount);
      const kraken = cleanup.add(await startPriceFixture(() => ({ body: providerBodies.krakenTicker(amount) })));
      const worker = cleanup.add(
        await startSourcedWorker(
          `sourced-${i + 1}`,
          sourcesFrom(`
sources:
  - { name: coinbase, preset: coinbase-spot, url: "${fixture.url}/v2/prices/{base}-{quote}/spot" }
  - { name: kraken, preset: kraken-ticker, url: "${kraken.url}/0/public/Ticker" }
`),
        ),
      );
      expectData(await registerSigned(coordinator, { id: `sourced-${i + 1}`, endpoint: worker.url }, worker.key));
    }
    const result = expectData(await submitRequest(coordinator, { query: 'BTC/USD', strategy: 'median' }));
    expect(result.final_value).toBeCloseTo(100.1, 10);
    expect(result.workers_answered).toBe(3);
    expect(result.worker_responses.map((r) => [r.worker_id, r.value, r.reliable]).sort()).toEqual([
      ['sourced-1', 100, true],
      ['sourced-2', 100.1, true],
      ['sourced-3', 100.2, true],
    ]);
    expect(result.reliability_note).toBe('All workers responded successfully');
    // A real observation is signed like a simulated one.
    const keys = await createOracleClient({ baseUrl: coordinator.url }).getKeys();
    expect(verifyOracleResult(result, keys)).toEqual({ valid: true, failures: [] });
  });
});
