/**
 * Feed event delivery: how long a publication takes to reach 100 subscribers of its event
 * stream. A feed polls 3 zero-delay workers every 100 ms and, with `deviation_bps: 0` and
 * answers that vary a little, publishes every poll. 100 streams are opened from this process
 * with the client library's `watchFeed`; for every event at every subscriber the figure is its
 * arrival time here minus the publication's `published_at` (the same machine clock; both in
 * whole milliseconds). The window starts once every subscriber has had an event, and each must
 * get every publication in it exactly once.
 *
 * The subscribers share this process's event loop, so the last of 100 to read an event also
 * waits for the 99 before it; and they share the machine's 2 cores with the coordinator.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createOracleClient } from '../../src/client/client.ts';
import type { FeedDefinition } from '../../src/contract/models.ts';
import { defineFeed, deleteFeed, deregisterWorkers, registerWorkers, waitForPublication } from '../admin.ts';
import type { BenchContext } from '../context.ts';
import { cpuBetween, snapshotCpu, type CpuUsage } from '../cpu.ts';
import { summarize, type LatencySummary } from '../measure.ts';
import { waitUntil } from '../wait.ts';

export const EVENT_SUBSCRIBERS = 100;
export const EVENT_POLL_INTERVAL_MS = 100;
const EVENT_WORKERS = 3;
const FEED_ID = 'bench-events';
const FEED: FeedDefinition = { query: 'ETH/EUR', deviation_bps: 0, heartbeat_ms: 60_000, poll_interval_ms: EVENT_POLL_INTERVAL_MS };
/** Every subscriber must have had a first event within this. */
const READY_WITHIN_MS = 10_000;
/** A quick run's 1 s would hold only 10 publications. */
const MIN_WINDOW_SEC = 2;
/** How long the aborted streams may take to end (deleting the feed ends any left). */
const CLOSE_WITHIN_MS = 2_000;
/** After the window, how long the last publication in it may take to reach everyone. */
const STRAGGLERS_MS = 1_000;

export interface FeedEventFigures {
  subscribers: number;
  /** Publications in the window, each expected at every subscriber. */
  publications: number;
  windowSec: number;
  /** Arrival − published_at over every event at every subscriber in the window. */
  delayMs: LatencySummary;
  /** The coordinator's CPU over the window; undefined without /proc. */
  cpu: CpuUsage | undefined;
}

interface Arrival {
  sequence: number;
  delayMs: number;
}

export async function measureFeedEvents(context: BenchContext): Promise<FeedEventFigures> {
  const { coordinator } = context;
  const windowSec = Math.max(MIN_WINDOW_SEC, context.profile.durationSec);
  const batch = 'events';
  const workers = await context.fleet.start(batch, EVENT_WORKERS, { kind: 'answer', delayMs: 0, vary: true });
  const streams = new AbortController();
  const arrivals: Arrival[][] = Array.from({ length: EVENT_SUBSCRIBERS }, () => []);
  let reconnects = 0;
  let defined = false;
  try {
    await registerWorkers(coordinator.url, workers);
    await defineFeed(coordinator.url, FEED_ID, FEED);
    defined = true;
    await waitForPublication(coordinator.url, FEED_ID, READY_WITHIN_MS);
    const client = createOracleClient({ baseUrl: coordinator.url });
    let ended = 0;
    const watching = arrivals.map((mine) =>
      client
        .watchFeed(FEED_ID, (value) => mine.push({ sequence: value.sequence, delayMs: Date.now() - Date.parse(value.published_at) }), {
          signal: streams.signal,
          onReconnect: () => reconnects++,
        })
        .catch((error: unknown) => {
          if (!streams.signal.aborted)
            context.fail(`feed events: a stream failed: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => ended++),
    );
    if (!(await waitUntil(() => arrivals.every((mine) => mine.length > 0), READY_WITHIN_MS)))
      context.fail(`feed events: not every subscriber had an event within ${READY_WITHIN_MS / 1000} s`);
    const latestSeen = () => Math.max(0, ...arrivals.map((mine) => mine.at(-1)?.sequence ?? 0));
    // Every publication after this one reaches every subscriber (each had an earlier one).
    const first = latestSeen();
    const before = await snapshotCpu();
    const started = performance.now();
    await sleep(windowSec * 1000);
    const after = await snapshotCpu();
    const measuredSec = (performance.now() - started) / 1000;
    const last = latestSeen();
    await waitUntil(() => arrivals.every((mine) => (mine.at(-1)?.sequence ?? 0) >= last), STRAGGLERS_MS);
    streams.abort();
    if (!(await waitUntil(() => ended === watching.length, CLOSE_WITHIN_MS)))
      context.fail(
        `feed events: ${watching.length - ended} of ${watching.length} streams still open ${CLOSE_WITHIN_MS / 1000} s after the abort`,
      );

    const delays: number[] = [];
    const publications = last - first;
    for (const [i, mine] of arrivals.entries()) {
      const inWindow = mine.filter((arrival) => arrival.sequence > first && arrival.sequence <= last);
      if (inWindow.length !== publications || new Set(inWindow.map((arrival) => arrival.sequence)).size !== publications)
        context.fail(`feed events: subscriber ${i + 1} got ${inWindow.length} events of the ${publications} publications in the window`);
      delays.push(...inWindow.map((arrival) => arrival.delayMs));
    }
    if (publications === 0) context.fail('feed events: the feed published nothing during the window');
    if (reconnects > 0) context.fail(`feed events: ${reconnects} streams dropped and reconnected`);
    return {
      subscribers: EVENT_SUBSCRIBERS,
      publications,
      windowSec: measuredSec,
      delayMs: summarize(delays),
      cpu: cpuBetween(before, after, coordinator.pid),
    };
  } finally {
    streams.abort();
    if (defined) await deleteFeed(coordinator.url, FEED_ID);
    await deregisterWorkers(coordinator.url, workers);
    await context.fleet.stop(batch);
  }
}
