/**
 * Reads that need no fan-out of their own, against the per-request fan-out they spare: with 10
 * zero-delay workers and 32 connections, `POST /request` without `max_age_ms` (every request
 * asks all 10 workers), with `max_age_ms: 1000` for one query and for 8 queries (4 connections
 * each), and `GET /feeds/{feed_id}/latest`. All in alternating slices on the same coordinator,
 * so that each ratio compares figures taken under the same conditions.
 *
 * `oracle_requests_served_total{served_from}` is read before and after every slice: the rounds
 * rows must be served from the history or by joining a round in flight, or they would be
 * measuring something else.
 */
import type { FeedDefinition, OracleRequestSubmission } from '../../src/contract/models.ts';
import { defineFeed, deleteFeed, deregisterWorkers, readCounterBy, registerWorkers, waitForPublication } from '../admin.ts';
import { SUBMISSION, type BenchContext } from '../context.ts';
import { getLoad, requestLoad, runInterleaved, unexpectedOutcomes, type LoadResult, type LoadSpec } from '../measure.ts';
import { probeFullAnswer } from './throughput.ts';

export const READS_WORKERS = 10;
export const READS_CONNECTIONS = 32;
export const MAX_AGE_MS = 1000;
/** The 8-query run: 4 connections per query. */
export const ROUND_QUERIES = ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD', 'ADA/USD', 'DOT/USD', 'LINK/USD', 'AVAX/USD'] as const;
export const LATEST_FEED_ID = 'bench-latest';
const LATEST_FEED: FeedDefinition = { query: 'BTC/EUR', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 1000 };
/** Beyond this share of fan-outs a rounds run is not served from the history. */
const MAX_FAN_OUT_SHARE = 0.1;

export interface RoundsFigures {
  queries: number;
  result: LoadResult;
  /** requests/s ÷ the fan-out's */
  ratio: number;
}

export interface ReadsFigures {
  workers: number;
  connections: number;
  /** POST /request without max_age_ms: every request fans out. */
  fanOut: LoadResult;
  rounds?: { oneQuery: RoundsFigures; queries: RoundsFigures };
  latest?: { result: LoadResult; ratio: number };
}

export async function measureReads(context: BenchContext, which: { rounds: boolean; latest: boolean }): Promise<ReadsFigures> {
  const { coordinator, profile } = context;
  const batch = 'reads';
  const workers = await context.fleet.start(batch, READS_WORKERS, { kind: 'answer', delayMs: 0 });
  const served = () => readCounterBy(coordinator.url, 'oracle_requests_served_total', 'served_from');
  const submission = (query: string): OracleRequestSubmission => ({ query, max_age_ms: MAX_AGE_MS });
  let defined = false;
  try {
    await registerWorkers(coordinator.url, workers);
    const problem = await probeFullAnswer(coordinator, workers.length, { signed: true });
    if (problem) context.fail(problem);
    if (which.latest) {
      await defineFeed(coordinator.url, LATEST_FEED_ID, LATEST_FEED);
      defined = true;
      await waitForPublication(coordinator.url, LATEST_FEED_ID, 10_000);
    }
    const fanOutSpec: LoadSpec = { ...requestLoad(coordinator, profile, SUBMISSION, READS_CONNECTIONS), readCounters: served };
    const oneQuerySpec: LoadSpec = {
      ...requestLoad(coordinator, profile, submission(SUBMISSION.query), READS_CONNECTIONS),
      readCounters: served,
    };
    const queriesSpec: LoadSpec = { ...oneQuerySpec, connectionBodies: ROUND_QUERIES.map(submission) };
    const latestSpec = getLoad(coordinator, profile, `/feeds/${LATEST_FEED_ID}/latest`, READS_CONNECTIONS);
    const specs = [fanOutSpec, ...(which.rounds ? [oneQuerySpec, queriesSpec] : []), ...(which.latest ? [latestSpec] : [])];
    const results = await runInterleaved(specs, profile.rounds);
    const take = () => results.shift() as LoadResult;

    const fanOut = take();
    for (const issue of unexpectedOutcomes(`coordinator, fan-out, ${READS_CONNECTIONS} conns`, fanOut, 200)) context.fail(issue);
    const figures: ReadsFigures = { workers: READS_WORKERS, connections: READS_CONNECTIONS, fanOut };
    if (which.rounds) {
      const rounds = (queries: number): RoundsFigures => {
        const result = take();
        const label = `coordinator, max_age_ms ${MAX_AGE_MS}, ${queries} ${queries === 1 ? 'query' : 'queries'}`;
        for (const issue of unexpectedOutcomes(label, result, 200)) context.fail(issue);
        const counted = result.counted ?? {};
        const total = Object.values(counted).reduce((sum, n) => sum + n, 0);
        if (total < result.latencyMs.count)
          context.fail(`${label}: ${total} requests counted as served for ${result.latencyMs.count} answers`);
        if ((counted.fan_out ?? 0) > MAX_FAN_OUT_SHARE * total)
          context.fail(`${label}: ${counted.fan_out ?? 0} of ${total} requests fanned out; expected them served from the history`);
        return { queries, result, ratio: result.rps / fanOut.rps };
      };
      figures.rounds = { oneQuery: rounds(1), queries: rounds(ROUND_QUERIES.length) };
    }
    if (which.latest) {
      const result = take();
      for (const issue of unexpectedOutcomes('coordinator, feed latest', result, 200)) context.fail(issue);
      figures.latest = { result, ratio: result.rps / fanOut.rps };
    }
    return figures;
  } finally {
    if (defined) await deleteFeed(coordinator.url, LATEST_FEED_ID);
    await deregisterWorkers(coordinator.url, workers);
    await context.fleet.stop(batch);
  }
}
