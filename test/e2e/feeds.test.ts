/**
 * Feeds over real HTTP with scripted workers and short intervals: what is published when, the
 * read path, staleness and recovery, the event streams, and bad definitions.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedDefinition, FeedValue } from '../../src/contract/models.ts';
import type { CoordinatorConfig } from '../../src/coordinator/config.ts';
import { loadFeedsFile } from '../../src/coordinator/feeds/feed-definition.ts';
import { coordinatorApi, expectData, expectError } from '../helpers/clients.ts';
import { answerOf, replyJson, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator } from '../helpers/network.ts';
import { runProgram } from '../helpers/run-program.ts';
import { openEventStream } from '../helpers/sse.ts';
import { temporaryDirectory } from '../helpers/temporary.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Three workers that all answer `market.value`, or 503 while `market.down`. */
async function scriptedMarket(config: Partial<CoordinatorConfig> = {}) {
  const market = { value: 100, down: false };
  const coordinator = cleanup.add(await startTestCoordinator({ ejectAfterFailures: 1000, ...config }));
  for (const id of ['w1', 'w2', 'w3']) {
    const fake = await startFakeWorker((task, res) =>
      market.down
        ? replyJson(res, 503, { title: 'down' }, 'application/problem+json')
        : replyJson(res, 200, answerOf(id, task, market.value)),
    );
    await register(coordinator.url, id, cleanup.add(fake).url);
  }
  return { market, coordinator, api: coordinatorApi(coordinator) };
}

// A poll's deadline well past its interval: on a busy machine a first round (new connections) can
// take longer than 40 ms, and a poll that times out would be a skip the tests do not expect.
const FAST: FeedDefinition = { query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 400, poll_interval_ms: 40, timeout_ms: 1_000 };

async function latestOf(api: ReturnType<typeof coordinatorApi>, feedId: string): Promise<FeedValue | undefined> {
  return (await api.GET('/feeds/{feed_id}/latest', { params: { path: { feed_id: feedId } } })).data;
}

describe('feed publication', () => {
  it('publishes a move beyond the threshold at the next poll, as a deviation', async () => {
    const { market, api } = await scriptedMarket();
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: { ...FAST, heartbeat_ms: 60_000 } }), 201);
    await expect.poll(async () => (await latestOf(api, 'btc'))?.reason).toBe('first');
    market.value = 100.4; // 40 bps: below the threshold
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await latestOf(api, 'btc'))?.sequence).toBe(1);
    market.value = 101; // 100 bps from the published 100
    await expect.poll(async () => (await latestOf(api, 'btc'))?.sequence, { timeout: 2_000, interval: 10 }).toBe(2);
    const latest = await latestOf(api, 'btc');
    expect(latest).toMatchObject({ value: 101, reason: 'deviation', workers_answered: 3, stale: false });
    expect(latest?.deviation_bps).toBeCloseTo(100, 6);
  });

  it('publishes a flat value once per heartbeat', async () => {
    const { api } = await scriptedMarket();
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'flat' } }, body: { ...FAST, heartbeat_ms: 300 } }), 201);
    const published = async () => expectData(await api.GET('/feeds/{feed_id}/rounds', { params: { path: { feed_id: 'flat' } } })).rounds;
    await expect.poll(async () => (await published()).length, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(4);
    const rounds = (await published()).reverse().slice(0, 4);
    expect(rounds.map((r) => r.reason)).toEqual(['first', 'heartbeat', 'heartbeat', 'heartbeat']);
    // One heartbeat apart: never sooner, and no later than the poll after it is due (with slack for a busy machine).
    for (const [earlier, later] of rounds.slice(0, -1).map((r, i) => [r, rounds[i + 1]] as const)) {
      const gap = Date.parse(later?.published_at ?? '') - Date.parse(earlier.published_at);
      expect(gap).toBeGreaterThanOrEqual(300);
      expect(gap).toBeLessThan(1_000);
    }
    const feed = expectData(await api.GET('/feeds/{feed_id}', { params: { path: { feed_id: 'flat' } } }));
    expect(feed.polls.skipped.unchanged).toBe(feed.polls.total - feed.polls.published);
    expect(feed.polls.skipped.unchanged).toBeGreaterThan(feed.polls.published);
  });

  it('skips polls during an outage, turns /latest stale, and recovers', async () => {
    const { market, coordinator, api } = await scriptedMarket();
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: { ...FAST, heartbeat_ms: 200 } }), 201);
    await expect.poll(async () => (await latestOf(api, 'btc'))?.stale).toBe(false);
    market.down = true;
    // Stale once a heartbeat and a poll have gone by without a publication.
    await expect.poll(async () => (await latestOf(api, 'btc'))?.stale, { timeout: 3_000, interval: 20 }).toBe(true);
    const during = expectData(await api.GET('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } } }));
    expect(during.polls.skipped.no_usable_answer).toBeGreaterThan(0);
    expect(during.polls.last).toMatchObject({ published: false, reason: 'no_usable_answer' });
    market.down = false;
    await expect.poll(async () => (await latestOf(api, 'btc'))?.stale, { timeout: 3_000, interval: 20 }).toBe(false);
    expect((await latestOf(api, 'btc'))?.reason).toBe('heartbeat');
    const metrics = await (await fetch(`${coordinator.url}/metrics`)).text();
    expect(metrics).toMatch(/oracle_feed_skipped_polls_total\{feed_id="btc",reason="no_usable_answer"\} [1-9]/);
  });

  it('never publishes a partial poll or a value out of bounds', async () => {
    const { market, api } = await scriptedMarket();
    const bounded = { ...FAST, min_answer: 50, max_answer: 150 };
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'bounded' } }, body: bounded }), 201);
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'quorum' } }, body: { ...FAST, min_responses: 4 } }), 201);
    await expect.poll(async () => (await latestOf(api, 'bounded'))?.value).toBe(100);
    market.value = 200;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await latestOf(api, 'bounded'))?.value).toBe(100);
    const bound = expectData(await api.GET('/feeds/{feed_id}', { params: { path: { feed_id: 'bounded' } } }));
    expect(bound.polls.skipped.out_of_bounds).toBeGreaterThan(0);
    const quorum = expectData(await api.GET('/feeds/{feed_id}', { params: { path: { feed_id: 'quorum' } } }));
    expect(quorum.latest).toBeUndefined();
    expect(quorum.polls.skipped.partial).toBe(quorum.polls.total);
    expect(expectError(await api.GET('/feeds/{feed_id}/latest', { params: { path: { feed_id: 'quorum' } } }), 404).code).toBe(
      'NO_PUBLICATION',
    );
  });

  it('keeps every poll in the history as a round', async () => {
    const { api } = await scriptedMarket();
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: FAST }), 201);
    await expect.poll(async () => (await latestOf(api, 'btc'))?.round_id).toBeDefined();
    const latest = await latestOf(api, 'btc');
    const round = expectData(await api.GET('/rounds/{request_id}', { params: { path: { request_id: latest?.round_id ?? '' } } }));
    expect(round).toMatchObject({ query: 'BTC/USD', outcome: 'complete', result: { final_value: latest?.value } });
  });
});

describe('feed event streams', () => {
  it('sends every publication in order, and replays exactly the missed ones after Last-Event-ID', async () => {
    const { market, coordinator, api } = await scriptedMarket();
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: { ...FAST, heartbeat_ms: 60_000 } }), 201);
    const stream = await openEventStream(`${coordinator.url}/feeds/btc/events`);
    cleanup.add(stream);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    for (const value of [101, 102, 103]) {
      const count = stream.events.length;
      market.value = value;
      await stream.waitFor(count + 1);
    }
    const received = stream.events.map((event) => JSON.parse(event.data) as FeedValue);
    expect(received.map((v) => v.sequence)).toEqual(received.map((_, i) => i + 1));
    expect(stream.events.every((event, i) => event.event === 'update' && event.id === received[i]?.round_id)).toBe(true);
    const { rounds } = expectData(await api.GET('/feeds/{feed_id}/rounds', { params: { path: { feed_id: 'btc' } } }));
    expect(received.map((v) => v.round_id)).toEqual(rounds.map((r) => r.round_id).reverse());

    // A client that saw up to the second publication reconnects after two more.
    await stream.close();
    const seen = stream.events[1]?.id ?? '';
    for (const value of [104, 105]) {
      market.value = value;
      await expect.poll(async () => (await latestOf(api, 'btc'))?.value, { timeout: 2_000, interval: 10 }).toBe(value);
    }
    const resumed = await openEventStream(`${coordinator.url}/feeds/btc/events`, { 'last-event-id': seen });
    cleanup.add(resumed);
    const replayed = (await resumed.waitFor(3)).map((event) => (JSON.parse(event.data) as FeedValue).sequence);
    expect(replayed).toEqual([3, 4, 5]);
    market.value = 106;
    const [live] = (await resumed.waitFor(4)).slice(3);
    expect((JSON.parse(live?.data ?? '{}') as FeedValue).sequence).toBe(6);
  });

  it('keeps idle streams alive with comment lines', async () => {
    const { coordinator, api } = await scriptedMarket({ sseHeartbeatMs: 50 });
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: { ...FAST, heartbeat_ms: 60_000 } }), 201);
    const stream = await openEventStream(`${coordinator.url}/feeds/btc/events`);
    cleanup.add(stream);
    await expect.poll(() => stream.comments.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(2);
    expect(stream.comments[0]).toMatch(/^heartbeat /);
  });

  it('stops polling and closes the streams of a deleted feed', async () => {
    const { coordinator, api } = await scriptedMarket();
    expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: FAST }), 201);
    const stream = await openEventStream(`${coordinator.url}/feeds/btc/events`);
    await stream.waitFor(1);
    expect((await api.DELETE('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } } })).response.status).toBe(204);
    await stream.ended;
    const roundsAfter = async () =>
      expectData(await api.GET('/rounds', { params: { query: { query: 'BTC/USD', limit: 500 } } })).rounds.length;
    const settled = await roundsAfter();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await roundsAfter()).toBe(settled);
    expect(expectError(await api.GET('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } } }), 404).code).toBe('FEED_NOT_FOUND');
    expect((await fetch(`${coordinator.url}/feeds/btc/events`)).status).toBe(404);
  });
});

describe('feed definitions', () => {
  it('refuses bad definitions with 400 problem+json and leaves the existing feeds untouched', async () => {
    const { api } = await scriptedMarket();
    const created = expectData(await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: FAST }), 201);
    const bad: { id: string; body: Record<string, unknown>; path: string }[] = [
      { id: 'BTC_USD', body: { ...FAST }, path: '/params/feed_id' },
      { id: 'btc', body: { ...FAST, poll_interval_ms: 0 }, path: '/body/poll_interval_ms' },
      { id: 'btc', body: { ...FAST, poll_interval_ms: -5 }, path: '/body/poll_interval_ms' },
      { id: 'btc', body: { ...FAST, heartbeat_ms: 20 }, path: '/body/heartbeat_ms' },
      { id: 'btc', body: { ...FAST, min_answer: 10, max_answer: 5 }, path: '/body/min_answer' },
      { id: 'btc', body: { ...FAST, colour: 'blue' }, path: '/body/colour' },
      { id: 'btc', body: { ...FAST, feed_id: 'eth' }, path: '/body/feed_id' },
    ];
    for (const { id, body, path } of bad) {
      const reply = await api.PUT('/feeds/{feed_id}', { params: { path: { feed_id: id } }, body: body as FeedDefinition });
      const problem = expectError(reply, 400);
      expect(problem.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(problem),
      ).toContain(path);
    }
    const after = expectData(await api.GET('/feeds'));
    expect(after.feeds.map((f) => [f.feed_id, f.definition])).toEqual([['btc', created.definition]]);
  });

  it('needs the admin token to change feeds when one is set, but not to read them', async () => {
    const { coordinator } = await scriptedMarket({ adminToken: 'admin-secret' });
    const anonymous = coordinatorApi(coordinator);
    const admin = coordinatorApi(coordinator, 'admin-secret');
    expect(expectError(await anonymous.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: FAST }), 401).code).toBe(
      'UNAUTHORIZED',
    );
    expectData(await admin.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: FAST }), 201);
    expectData(await admin.PUT('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } }, body: { ...FAST, deviation_bps: 25 } }), 200);
    expect(expectData(await anonymous.GET('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } } })).definition.deviation_bps).toBe(25);
    expect((await anonymous.DELETE('/feeds/{feed_id}', { params: { path: { feed_id: 'btc' } } })).response.status).toBe(401);
  });

  // Two coordinator processes start and exit here: about 2 s in CI, over 5 s with two suites at once.
  it('loads feeds from a file at start-up, and refuses to start on a bad one, naming the line', { timeout: 30_000 }, async () => {
    const directory = cleanup.add(await temporaryDirectory());
    const good = join(directory.path, 'feeds.yaml');
    await writeFile(
      good,
      'feeds:\n  - feed_id: btc-usd\n    query: BTC/USD\n    deviation_bps: 50\n    heartbeat_ms: 60000\n    poll_interval_ms: 1000\n',
    );
    const { coordinator } = await scriptedMarket({ feeds: loadFeedsFile(good) });
    expect(expectData(await coordinatorApi(coordinator).GET('/feeds')).feeds.map((f) => f.feed_id)).toEqual(['btc-usd']);

    const bad = join(directory.path, 'bad.yaml');
    await writeFile(
      bad,
      'feeds:\n  - feed_id: btc-usd\n    query: BTC/USD\n    deviation_bps: 50\n    heartbeat_ms: 60000\n    poll_interval_ms: 1000\n  - feed_id: eth-usd\n    query: ETH/USD\n    deviation_bps: 50\n    heartbeat_ms: 500\n    poll_interval_ms: 1000\n',
    );
    const run = await runProgram('coordinator', ['--port', '0', '--feeds', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:7: feeds[1]/heartbeat_ms must not be shorter than poll_interval_ms (1000)`);
    const broken = join(directory.path, 'broken.yaml');
    await writeFile(broken, 'feeds:\n  - feed_id: btc-usd\n    query: [unclosed\n');
    const syntax = await runProgram('coordinator', ['--port', '0', '--feeds', broken]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
  });
});
