/** The client library and CLI on feeds: `feeds` and `watch`, as a user runs them. */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleClient } from '../../src/client/client.ts';
import type { FeedValue } from '../../src/contract/models.ts';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import { entryPoint, spawnTsx } from '../../src/process/tsx.ts';
import { startAnsweringWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator } from '../helpers/network.ts';
import { runClient } from '../helpers/run-program.ts';

// A full garbage collection on demand, without starting vitest with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
const market = { value: 100 };

beforeAll(async () => {
  const feed = { feed_id: 'btc-usd', query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 30 };
  coordinator = cleanup.add(await startTestCoordinator({ feeds: [feed] }));
  for (const id of ['w1', 'w2']) await register(coordinator.url, id, cleanup.add(await startAnsweringWorker(id, () => market.value)).url);
});
afterAll(() => cleanup.run());

describe('the client library on feeds', () => {
  it('lists feeds, reads the latest value, and follows the publications in order', async () => {
    const client = createOracleClient({ baseUrl: coordinator.url });
    expect((await client.listFeeds()).map((f) => f.feed_id)).toEqual(['btc-usd']);
    await expect.poll(async () => (await client.getFeed('btc-usd')).latest?.value).toBe(market.value);
    const stop = new AbortController();
    const seen: FeedValue[] = [];
    const watching = client
      .watchFeed(
        'btc-usd',
        (value) => {
          seen.push(value);
          if (seen.length === 2) stop.abort();
        },
        { signal: stop.signal, lastEventId: (await client.readFeed('btc-usd')).round_id },
      )
      .catch((error: unknown) => {
        if (!stop.signal.aborted) throw error;
      });
    market.value = 102;
    await expect.poll(() => seen.length).toBe(1);
    market.value = 105;
    await watching;
    expect(seen.map((v) => [v.value, v.reason])).toEqual([
      [102, 'deviation'],
      [105, 'deviation'],
    ]);
  });

  it('stops watching when aborted, even once a garbage collection has run (Node 20 fetch, nodejs/node#55428)', async () => {
    const client = createOracleClient({ baseUrl: coordinator.url });
    const stop = new AbortController();
    const seen: FeedValue[] = [];
    const lastEventId = (await client.readFeed('btc-usd')).round_id;
    const watching = client.watchFeed('btc-usd', (value) => seen.push(value), { signal: stop.signal, lastEventId });
    const outcome = watching.then(
      () => 'returned',
      (error: unknown) => (error instanceof Error ? error.name : String(error)),
    );
    market.value = 107;
    await expect.poll(() => seen.length).toBe(1);
    // Before the fix, this collected the Request that carried the abort to the open stream.
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    const gaveUp = new Promise((resolve) => setTimeout(() => resolve('still watching 3 s after the abort'), 3_000).unref());
    expect(await Promise.race([outcome, gaveUp])).toBe('AbortError');
  });
});

describe('the client library when the coordinator restarts', () => {
  it('follows the feed across the restart, and returns once the feed is deleted', { timeout: 20_000 }, async () => {
    const feed = { feed_id: 'eth-usd', query: 'ETH/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 30 };
    const price = { value: 100 };
    const worker = cleanup.add(await startAnsweringWorker('w1', () => price.value));
    const first = await startTestCoordinator({ feeds: [feed] });
    await register(first.url, 'w1', worker.url);
    const client = createOracleClient({ baseUrl: first.url });
    const seen: number[] = [];
    const reconnects: unknown[] = [];
    let watching: Promise<void> | undefined;
    let second: CoordinatorServer | undefined;
    try {
      await expect.poll(async () => (await client.getFeed('eth-usd')).latest?.value, { timeout: 5_000 }).toBe(100);
      const lastEventId = (await client.readFeed('eth-usd')).round_id;
      watching = client.watchFeed('eth-usd', (value) => seen.push(value.value), { lastEventId, onReconnect: (e) => reconnects.push(e) });
      price.value = 102;
      await expect.poll(() => seen, { timeout: 5_000 }).toEqual([102]);
      // A graceful stop ends the streams cleanly: the client must not take that for a deletion.
      const { port } = new URL(first.url);
      await first.close();
      second = await startTestCoordinator({ port: Number(port), feeds: [feed] });
      await register(second.url, 'w1', worker.url);
      price.value = 105;
      await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toBe(105);
      await fetch(`${second.url}/feeds/eth-usd`, { method: 'DELETE' });
      await watching;
      expect(seen[0]).toBe(102);
      expect(reconnects.length).toBeGreaterThan(0);
    } finally {
      await second?.close();
      await first.close().catch(() => undefined);
    }
  });
});

describe('npm run client on feeds', () => {
  it('prints the feeds as a table', async () => {
    const run = await runClient('feeds', '--coordinator', coordinator.url);
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.split('\n');
    expect(header).toMatch(/^feed\s+query\s+deviation\s+heartbeat\s+poll\s+latest\s+age\s+published$/);
    expect(row).toMatch(/^btc-usd\s+BTC\/USD\s+50 bps\s+1 min\s+30 ms\s+[\d,.]+\s+\S+ m?s\s+\d+\/\d+$/);
  });

  it('watches a feed: the latest value, then each update as it arrives, until Ctrl-C', { timeout: 20_000 }, async () => {
    const child = spawnTsx(entryPoint('client'), ['watch', 'btc-usd', '--coordinator', coordinator.url]);
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBe(1);
    market.value = 110;
    // A poll in flight at the change may hear both prices and publish once in between, or judge
    // one worker an outlier: the line of 110 is the one to read, with one or both workers.
    await expect.poll(() => lines.find((line) => line.includes(' btc-usd 110.00 ')), { timeout: 5_000 }).toBeDefined();
    expect(lines.find((line) => line.includes(' btc-usd 110.00 '))).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} btc-usd 110\.00 deviation \d+\.\d bps \(#\d+, [12] workers, round \S+\)$/,
    );
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('exits 1 naming the problem for an unknown feed', async () => {
    const run = await runClient('watch', 'nothing', '--coordinator', coordinator.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Feed not found (HTTP 404)');
  });
});
