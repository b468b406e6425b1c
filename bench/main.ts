/**
 * `npm run bench [-- --quick]`: measures the coordinator (issue 6) and prints one table.
 *
 * Four kinds of process: this one generates load with autocannon; the coordinator under test
 * and the bare baseline each run in a child process of their own; all the workers run in one
 * fleet process. Exits 0 when every measurement behaved (a target missed is reported, not
 * failed: timings are not asserted), non-zero when one did not.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { PROFILES, type BenchContext } from './context.ts';
import { startFleet } from './fleet-client.ts';
import { startBaseline, startCoordinator } from './processes.ts';
import { describeMachine, judgeTargets, renderReport, type BenchResults } from './report.ts';
import { measureDeadline } from './scenarios/deadline.ts';
import { measureFeedEvents } from './scenarios/feed-events.ts';
import { measureOverhead } from './scenarios/overhead.ts';
import { measureReads } from './scenarios/reads.ts';
import { measureSaturation } from './scenarios/saturation.ts';
import { measureScale } from './scenarios/scale.ts';
import { measureSignatures } from './scenarios/signatures.ts';
import { measureStore } from './scenarios/store.ts';
import { measureThroughput } from './scenarios/throughput.ts';

const THROUGHPUT_WORKER_COUNTS = [3, 10, 50, 100] as const;
const RESULTS_PATH = new URL('./results.json', import.meta.url);

const MEASUREMENTS = ['throughput', 'signatures', 'overhead', 'deadline', 'saturation', 'rounds', 'feeds', 'store', 'scale'] as const;
type Measurement = (typeof MEASUREMENTS)[number];
const USAGE = `usage: npm run bench [-- --quick] [-- --only ${MEASUREMENTS.join(',')}]
  --quick  a few seconds per measurement (CI); default: 10 s each after a 3 s warm-up
  --only   run only these measurements (comma-separated), e.g. while working on one of them
`;

const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
});
if (flags.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const only = flags.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !(MEASUREMENTS as readonly string[]).includes(name)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`unknown measurement(s): ${unknown.join(', ')}\n${USAGE}`);
  process.exit(2);
}
const selected = (name: Measurement) => only === undefined || only.includes(name);

const profile = PROFILES[flags.quick ? 'quick' : 'full'];
const started = performance.now();
const startedAt = new Date().toISOString();
const progress = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
const failures: string[] = [];
const results: Omit<BenchResults, 'targets' | 'elapsedSec'> = { machine: describeMachine(), profile, startedAt, throughput: [], failures };

progress(`${profile.name} run: starting the worker fleet, the coordinator and the baseline`);
const [fleet, coordinator, baseline] = await Promise.all([startFleet(), startCoordinator(), startBaseline()]);
const context: BenchContext = { profile, fleet, coordinator, baseline, progress, fail: (problem) => failures.push(problem) };
// Rounds and the feed's /latest are measured together, against one fan-out run (scenarios/reads.ts).
const reads = { rounds: selected('rounds'), latest: selected('feeds') };
const steps =
  (selected('throughput') ? THROUGHPUT_WORKER_COUNTS.length : 0) +
  (['signatures', 'overhead', 'deadline', 'saturation', 'feeds', 'store', 'scale'] as const).filter(selected).length +
  (reads.rounds || reads.latest ? 1 : 0);
let step = 0;
const announce = (what: string) => progress(`${++step}/${steps} ${what}`);

try {
  if (selected('throughput')) {
    for (const workers of THROUGHPUT_WORKER_COUNTS) {
      announce(`throughput, ${workers} zero-delay workers: coordinator and baseline in alternating slices`);
      const row = await measureThroughput(context, workers);
      results.throughput.push(row);
      progress(
        `  coordinator ${Math.round(row.coordinator.rps)} req/s, baseline ${Math.round(row.baseline.rps)} req/s, ratio ${row.ratio.toFixed(2)}`,
      );
    }
  }
  if (selected('signatures')) {
    announce('signatures: 10 zero-delay workers, signed (--require-signatures on) and unsigned (off) in alternating slices');
    results.signatures = await measureSignatures(context);
    const { on, off, ratio } = results.signatures;
    progress(`  on ${Math.round(on.rps)} req/s, off ${Math.round(off.rps)} req/s, ratio ${ratio.toFixed(2)}`);
  }
  if (selected('overhead')) {
    announce('latency overhead, 10 workers of 20 ms, 1 connection');
    results.overhead = await measureOverhead(context);
    progress(
      `  overhead p50 ${results.overhead.coordinator.overheadP50Ms.toFixed(2)} ms, p99 ${results.overhead.coordinator.overheadP99Ms.toFixed(2)} ms`,
    );
  }
  if (selected('deadline')) {
    announce('deadline adherence, 1 worker that never answers, timeout_ms 500');
    results.deadline = await measureDeadline(context);
    progress(`  p99 ${results.deadline.latencyMs.p99.toFixed(1)} ms`);
  }
  if (selected('saturation')) {
    announce('deadline adherence with a saturated worker: 70 background requests, then timeout_ms 500');
    results.saturation = await measureSaturation(context);
    progress(`  p99 ${results.saturation.result.latencyMs.p99.toFixed(1)} ms`);
  }
  if (reads.rounds || reads.latest) {
    const what = [reads.rounds ? 'max_age_ms (1 and 8 queries)' : '', reads.latest ? 'GET /feeds/{id}/latest' : ''].filter(Boolean);
    announce(`reads against the fan-out, 10 workers, 32 connections: ${what.join(', ')}`);
    results.reads = await measureReads(context, reads);
    const { fanOut, rounds, latest } = results.reads;
    progress(
      [
        `  fan-out ${Math.round(fanOut.rps)} req/s`,
        ...(rounds ? [`1 query ${rounds.oneQuery.ratio.toFixed(1)}×`, `8 queries ${rounds.queries.ratio.toFixed(1)}×`] : []),
        ...(latest ? [`latest ${latest.ratio.toFixed(1)}×`] : []),
      ].join(', '),
    );
  }
  if (selected('feeds')) {
    announce('feed event delivery to 100 subscribers, a publication every 100 ms');
    results.feedEvents = await measureFeedEvents(context);
    progress(`  p50 ${results.feedEvents.delayMs.p50.toFixed(1)} ms, p99 ${results.feedEvents.delayMs.p99.toFixed(1)} ms`);
  }
  if (selected('store')) {
    announce('store: 10 zero-delay workers, memory, --store redis, and --store redis --processes 2 in alternating slices');
    results.store = await measureStore(context);
    const { memory, redis, cluster, redisRatio, clusterRatio } = results.store;
    progress(
      `  memory ${Math.round(memory.rps)} req/s, redis ${Math.round(redis.rps)} req/s (${redisRatio.toFixed(2)}×), 2 processes ${Math.round(cluster.rps)} req/s (${clusterRatio.toFixed(2)}×)`,
    );
  }
  if (selected('scale')) {
    // The 1,000-worker runs use a fresh coordinator; the first two are idle from here on.
    await Promise.all([coordinator.stop(), baseline.stop()]);
    announce('1,000 registered workers: memory, ask_count 10, requests without ask_count');
    results.scale = await measureScale(context);
  }
} catch (error) {
  failures.push(`the run stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await Promise.all([coordinator.stop(), baseline.stop(), fleet.close()]);
}

const elapsedSec = (performance.now() - started) / 1000;
const final: BenchResults = { ...results, elapsedSec, targets: judgeTargets(results) };
await writeFile(RESULTS_PATH, `${JSON.stringify(final, null, 2)}\n`);
process.stdout.write(`${renderReport(final)}\n`);
progress(`done in ${elapsedSec.toFixed(1)} s; figures in bench/results.json`);
process.exitCode = failures.length > 0 ? 1 : 0;
