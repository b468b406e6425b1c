/**
 * Several coordinators, one state: real coordinator processes sharing a real redis-server, on
 * loopback. What one learns or writes, the others read; each feed is polled by one of them at a
 * time and handed over when its owner dies; Redis going away is a 503, and coming back heals.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FeedValue } from '../../src/contract/models.ts';
import { freePort } from '../../src/process/free-port.ts';
import { coordinatorApi, expectData, expectError } from '../helpers/clients.ts';
import { answerOf, replyJson, startAnsweringWorker, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register } from '../helpers/network.ts';
import { killAll, spawnService, type ServiceProcess } from '../helpers/processes.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { openEventStream } from '../helpers/sse.ts';

const cleanup = new Cleanup();
let redis: RedisServer;
let prefixCount = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await killAll();
  await cleanup.run();
});
afterAll(() => redis.close());

interface Coordinator {
  readonly url: string;
  readonly process: ServiceProcess;
}

/** A coordinator process on the shared store (each test on a prefix of its own). */
async function startCoordinator(prefix: string, extra: string[] = [], store = redis.url): Promise<Coordinator> {
  const port = await freePort();
  const process = spawnService('coordinator', [
    '--port',
    String(port),
    '--store',
    store,
    '--store-prefix',
    prefix,
    '--feed-lease-ms',
    '600',
    '--eject-after-failures',
    '1000',
    ...extra,
  ]);
  await process.waitForLine(/coordinator listening/);
  return { url: `http://127.0.0.1:${port}`, process };
}

/** POST on a connection opened for it and closed after it, so that successive calls may reach different processes. */
function postOnNewConnection(url: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', connection: 'close' };
    const request = httpRequest(url, { method: 'POST', agent: false, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

function newPrefix(): string {
  prefixCount++;
  return `shared${prefixCount}:`;
}

describe('two coordinators on one Redis', () => {
  it('ask workers registered through the other, and see what the other learnt and answered', { timeout: 30_000 }, async () => {
    const prefix = newPrefix();
    const [a, b] = await Promise.all([startCoordinator(prefix), startCoordinator(prefix)]);
    await register(a.url, 'w1', cleanup.add(await startAnsweringWorker('w1', 100)).url);
    await register(a.url, 'liar', cleanup.add(await startAnsweringWorker('liar', 150)).url);
    await register(a.url, 'w2', cleanup.add(await startAnsweringWorker('w2', 100.1)).url);
    // Registered on A, asked by B.
    const result = expectData(await coordinatorApi(b.url).POST('/request', { body: { query: 'BTC/USD', strategy: 'median' } }));
    expect(result.worker_responses.map((r) => r.worker_id)).toEqual(['w1', 'liar', 'w2']);
    // Scores learnt through A (the liar is an outlier there) reach B within a second.
    expectData(await coordinatorApi(a.url).POST('/request', { body: { query: 'BTC/USD' } }));
    await expect
      .poll(async () => expectData(await coordinatorApi(b.url).GET('/workers/{id}', { params: { path: { id: 'liar' } } })).score, {
        timeout: 1_000,
        interval: 20,
      })
      .toBeLessThan(0.8);
    // The history is the same from either side.
    const round = expectData(
      await coordinatorApi(b.url).GET('/rounds/{request_id}', { params: { path: { request_id: result.request_id } } }),
    );
    expect(round.result).toEqual(result);
    const onA = expectData(await coordinatorApi(a.url).GET('/rounds', { params: { query: { query: 'BTC/USD' } } }));
    expect(onA.rounds.map((r) => r.request_id)).toContain(result.request_id);
    // Heartbeats may reach either.
    expectData(await coordinatorApi(b.url).POST('/workers/{id}/heartbeat', { params: { path: { id: 'w1' } } }));
    // A coordinator killed outright takes nothing with it that the other was told.
    a.process.child.kill('SIGKILL');
    await a.process.exited;
    expect(expectData(await coordinatorApi(b.url).GET('/workers')).workers.map((w) => w.id)).toEqual(['w1', 'liar', 'w2']);
    const kept = await coordinatorApi(b.url).GET('/rounds/{request_id}', { params: { path: { request_id: result.request_id } } });
    expect(expectData(kept).result).toEqual(result);
  });

  it(
    'publish a feed once per update however many run, reach subscribers on both, and hand it over when its owner is killed',
    { timeout: 40_000 },
    async () => {
      const prefix = newPrefix();
      const market = { value: 100 };
      const coordinators = await Promise.all([startCoordinator(prefix), startCoordinator(prefix)]);
      const [first] = coordinators;
      for (const id of ['w1', 'w2']) await register(first.url, id, cleanup.add(await startAnsweringWorker(id, () => market.value)).url);
      const definition = { query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 50 };
      expectData(await coordinatorApi(first.url).PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: definition }), 201);
      await expect
        .poll(
          async () =>
            (await coordinatorApi(first.url).GET('/feeds/{feed_id}/latest', { params: { path: { feed_id: 'btc' } } })).data?.sequence,
          {
            timeout: 5_000,
          },
        )
        .toBe(1);
      // Subscribed after the first publication: each stream starts with the second.
      const streams = await Promise.all(coordinators.map((c) => openEventStream(`${c.url}/feeds/btc/events`)));
      for (const stream of streams) cleanup.add(stream);
      const step = async (value: number) => {
        const count = streams.map((s) => s.events.length);
        market.value = value;
        await Promise.all(streams.map((s, i) => s.waitFor((count[i] ?? 0) + 1, 5_000)));
      };
      await step(102);
      await step(104);
      // Who polls? The owner logs it; kill it, and the other takes over within the lease TTL.
      const owner = coordinators.find((c) => c.process.lines.some((line) => line.includes('"polling the feed')));
      if (owner === undefined) throw new Error('no coordinator says it polls the feed');
      const survivor = coordinators.find((c) => c !== owner) as Coordinator;
      const survivorStream = streams[coordinators.indexOf(survivor)];
      if (survivorStream === undefined) throw new Error('no stream on the survivor');
      owner.process.child.kill('SIGKILL');
      await owner.process.exited;
      const killedAt = performance.now();
      await survivor.process.waitForLine(/"polling the feed/, 5_000);
      expect(performance.now() - killedAt).toBeLessThan(600 + 500);
      const count = survivorStream.events.length;
      market.value = 106;
      await survivorStream.waitFor(count + 1, 5_000);

      const seen = survivorStream.events.map((event) => JSON.parse(event.data) as FeedValue);
      // Every publication after the subscription, once each and in order, across the handover.
      expect(seen.map((v) => [v.sequence, v.value])).toEqual([
        [2, 102],
        [3, 104],
        [4, 106],
      ]);
      const published = expectData(
        await coordinatorApi(survivor.url).GET('/feeds/{feed_id}/rounds', { params: { path: { feed_id: 'btc' } } }),
      );
      expect(published.rounds.map((r) => r.sequence)).toEqual([4, 3, 2, 1]);
      // The other stream saw the same publications while its coordinator lived.
      const other = streams[coordinators.indexOf(owner)];
      expect(other?.events.slice(0, 2).map((e) => e.id)).toEqual(survivorStream.events.slice(0, 2).map((e) => e.id));
    },
  );

  it('answer 503 STORE_UNAVAILABLE while Redis is down, fail /readyz, and serve again once it is back', { timeout: 40_000 }, async () => {
    const own = cleanup.add(await startRedis());
    const prefix = newPrefix();
    const coordinator = await startCoordinator(prefix, [], own.url);
    const api = coordinatorApi(coordinator.url);
    await register(coordinator.url, 'w1', cleanup.add(await startAnsweringWorker('w1', 100)).url);
    expectData(await api.POST('/request', { body: { query: 'BTC/USD' } }));
    await own.stop();
    const problem = expectError(await api.POST('/request', { body: { query: 'BTC/USD' } }), 503);
    expect(problem.code).toBe('STORE_UNAVAILABLE');
    expect(expectError(await api.GET('/readyz'), 503).code).toBe('STORE_UNAVAILABLE');
    expect(expectError(await api.GET('/workers'), 503).code).toBe('STORE_UNAVAILABLE');
    expect((await api.GET('/healthz')).response.status).toBe(200);
    await own.restart();
    await expect.poll(async () => (await api.GET('/readyz')).response.status, { timeout: 10_000, interval: 100 }).toBe(200);
    // The registry is gone with the unpersisted Redis; the worker registers again as it would after a heartbeat 404.
    await register(coordinator.url, 'w1', cleanup.add(await startAnsweringWorker('w1', 100)).url);
    expect(expectData(await api.POST('/request', { body: { query: 'BTC/USD' } })).final_value).toBe(100);
    expect(coordinator.process.child.exitCode).toBeNull();
  });

  it('bring the registry, the scores, the feeds and the history back after a full restart with AOF', { timeout: 40_000 }, async () => {
    const persistent = await startRedis({ aof: true });
    cleanup.add(persistent);
    const prefix = newPrefix();
    const first = await startCoordinator(prefix, [], persistent.url);
    const worker = cleanup.add(await startFakeWorker((task, res) => replyJson(res, 200, answerOf('w1', task, 100))));
    await register(first.url, 'w1', worker.url);
    await register(
      first.url,
      'down',
      cleanup.add(await startFakeWorker((_task, res) => replyJson(res, 503, { title: 'down' }, 'application/problem+json'))).url,
    );
    const answered = expectData(await coordinatorApi(first.url).POST('/request', { body: { query: 'BTC/USD' } }));
    expectData(
      await coordinatorApi(first.url).PUT('/feeds/{feed_id}', {
        params: { path: { feed_id: 'btc' } },
        // One of the two workers is down: a quorum of one lets the feed publish.
        body: { query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 50, min_responses: 1 },
      }),
      201,
    );
    await expect
      .poll(
        async () =>
          (await coordinatorApi(first.url).GET('/feeds/{feed_id}/latest', { params: { path: { feed_id: 'btc' } } })).response.status,
      )
      .toBe(200);
    const before = expectData(await coordinatorApi(first.url).GET('/workers')).workers;
    // Everything stops: the coordinator, then Redis.
    first.process.child.kill('SIGTERM');
    await first.process.exited;
    await persistent.stop();
    await persistent.restart();
    const second = await startCoordinator(prefix, [], persistent.url);
    const api = coordinatorApi(second.url);
    const after = expectData(await api.GET('/workers')).workers;
    expect(after.map((w) => [w.id, w.endpoint])).toEqual(before.map((w) => [w.id, w.endpoint]));
    // What was learnt is still there (a fresh registry would trust 'down' at 1.0); the feed's
    // polls may have taught a little more since.
    const down = (workers: typeof before) => workers.find((w) => w.id === 'down');
    expect(down(after)?.score).toBeLessThanOrEqual(down(before)?.score ?? 0);
    expect(down(after)?.stats?.tasks).toBeGreaterThanOrEqual(down(before)?.stats?.tasks ?? Infinity);
    expect(expectData(await api.GET('/rounds/{request_id}', { params: { path: { request_id: answered.request_id } } })).result).toEqual(
      answered,
    );
    const feed = expectData(await api.GET('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } } }));
    expect(feed.latest?.sequence).toBeGreaterThanOrEqual(1);
    expect(feed.definition).toMatchObject({ query: 'BTC/USD', deviation_bps: 50 });
  });
});

describe('--processes', () => {
  it('serves one port with several coordinator processes sharing the store', { timeout: 30_000 }, async () => {
    const prefix = newPrefix();
    const port = await freePort();
    const primary = spawnService('coordinator', [
      '--port',
      String(port),
      '--store',
      redis.url,
      '--store-prefix',
      prefix,
      '--processes',
      '2',
    ]);
    await primary.waitForLine(/coordinator listening/);
    await expect.poll(() => primary.lines.filter((line) => line.includes('coordinator listening')).length, { timeout: 10_000 }).toBe(2);
    const url = `http://127.0.0.1:${port}`;
    await register(url, 'w1', cleanup.add(await startAnsweringWorker('w1', 100)).url);
    // Each request on a connection of its own, which the primary hands to the processes in turn.
    for (let i = 0; i < 10; i++) {
      const answer = JSON.parse(await postOnNewConnection(`${url}/request`, { query: 'BTC/USD' })) as { final_value?: number };
      expect(answer.final_value).toBe(100);
    }
    const answeredBy = primary.lines
      .filter((line) => line.includes('request answered'))
      .map((line) => (JSON.parse(line) as { pid?: number }).pid);
    expect(new Set(answeredBy).size).toBe(2);
    primary.child.kill('SIGTERM');
    expect(await primary.exited).toBe(0);
  });

  it('refuses several processes without a shared store', async () => {
    const run = spawnService('coordinator', ['--port', '0', '--processes', '2']);
    expect(await run.exited).toBe(2);
    expect(run.lines.join('\n')).toContain('--processes needs a shared store');
  });
});
