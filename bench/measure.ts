/**
 * Load runs: autocannon's programmatic API drives `POST` requests at a URL over a fixed number
 * of keep-alive connections for a fixed time, after a warm-up whose figures are thrown away (so
 * the JIT and the connection pools are warm before anything is counted).
 *
 * Latencies are taken from autocannon's per-response event rather than from its histogram:
 * the histogram keeps whole milliseconds and only 2xx answers, and the overhead and deadline
 * figures need sub-millisecond values and 503s too.
 */
import { inspect } from 'node:util';
import autocannon from 'autocannon';
import { percentileOfSorted, sortAscending } from '../src/stats/quantiles.ts';
import type { OracleRequestSubmission } from '../src/contract/models.ts';
import type { Profile } from './context.ts';
import { cpuBetween, snapshotCpu, type CpuUsage } from './cpu.ts';
import type { ServiceProcess } from './processes.ts';

export interface LoadSpec {
  url: string;
  /** POST (the default) with a JSON body, or GET without one. */
  method?: 'GET' | 'POST';
  /** The process behind `url`, for its CPU figure (with its descendants). */
  servicePid: number;
  /** Other processes whose CPU to report beside the service's, by name (e.g. the fleet). */
  peers?: Readonly<Record<string, number>>;
  /** The JSON body of every request (POST). */
  body?: unknown;
  /** Instead of `body`: connection i sends `connectionBodies[i % length]` every time. */
  connectionBodies?: readonly unknown[];
  /** Concurrent connections, each with one request in flight at a time. */
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** Runs between the warm-up and the measured period (e.g. to reset other counters). */
  beforeMeasure?: () => Promise<void>;
  /**
   * Counters the service keeps (e.g. from its GET /metrics), read before and after each
   * measured slice, outside its timing; their increase over the slices is LoadResult.counted.
   */
  readCounters?: () => Promise<Record<string, number>>;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Responses per second over the measured period (any status). */
  rps: number;
  durationSec: number;
  latencyMs: LatencySummary;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts (no response at all). */
  errors: number;
  /** CPU over the measured period; undefined without /proc. */
  cpu: CpuUsage | undefined;
  /** How much each of the spec's counters (readCounters) rose over the measured period. */
  counted: Record<string, number> | undefined;
}

/** One measured period, before it is summarized (several can make one LoadResult). */
interface Slice {
  latencies: number[];
  statuses: Record<string, number>;
  errors: number;
  durationSec: number;
  cpu: CpuUsage | undefined;
  counted: Record<string, number> | undefined;
}

/** POST /request with `body` on `service` over `connections`, for the profile's duration after its warm-up. */
export function requestLoad(service: ServiceProcess, profile: Profile, body: OracleRequestSubmission, connections: number): LoadSpec {
  return {
    url: `${service.url}/request`,
    servicePid: service.pid,
    body,
    connections,
    durationSec: profile.durationSec,
    warmupSec: profile.warmupSec,
  };
}

/** GET `path` on `service` over `connections`, for the profile's duration after its warm-up. */
export function getLoad(service: ServiceProcess, profile: Profile, path: string, connections: number): LoadSpec {
  return {
    url: `${service.url}${path}`,
    method: 'GET',
    servicePid: service.pid,
    connections,
    durationSec: profile.durationSec,
    warmupSec: profile.warmupSec,
  };
}

/** What went wrong with a run that should have answered `status` every time; empty when nothing. */
export function unexpectedOutcomes(label: string, result: LoadResult, status: number): string[] {
  const problems: string[] = [];
  const others = Object.entries(result.statuses).filter(([code]) => code !== String(status));
  if (others.length > 0)
    problems.push(`${label}: expected only HTTP ${status}, got ${others.map(([code, n]) => `${n}× ${code}`).join(', ')}`);
  if (result.errors > 0) problems.push(`${label}: ${result.errors} connection errors or timeouts`);
  if (result.latencyMs.count === 0) problems.push(`${label}: no response at all`);
  return problems;
}

/** Nearest-rank percentiles; NaN for every figure when there are no values. */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = sortAscending(values);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    p50: percentileOfSorted(sorted, 50) ?? Number.NaN,
    p99: percentileOfSorted(sorted, 99) ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

function fire(spec: LoadSpec, durationSec: number): Promise<Omit<Slice, 'cpu' | 'counted'>> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const bodies = spec.connectionBodies?.map((body) => JSON.stringify(body));
  let clients = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method ?? 'POST',
        ...(spec.method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec.body) }),
        ...(bodies === undefined ? {} : { setupClient: (client: autocannon.Client) => client.setBody(bodies[clients++ % bodies.length]) }),
        connections: spec.connections,
        duration: durationSec,
        // Far beyond any deadline the scenarios use: a timeout here means the service is stuck.
        timeout: 10,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error(`autocannon failed: ${inspect(error)}`));
        else resolve({ latencies, statuses, errors: result.errors, durationSec: result.duration });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      latencies.push(responseTimeMs);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}

async function measureSlice(spec: LoadSpec, durationSec: number): Promise<Slice> {
  const countersBefore = await spec.readCounters?.();
  const before = await snapshotCpu();
  const slice = await fire(spec, durationSec);
  const after = await snapshotCpu();
  const countersAfter = await spec.readCounters?.();
  return {
    ...slice,
    cpu: cpuBetween(before, after, spec.servicePid, spec.peers),
    counted: countersAfter && increase(countersBefore ?? {}, countersAfter),
  };
}

function increase(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - (before[name] ?? 0)]));
}

/** Sums counts by key: statuses, counters. */
function addCounts(total: Record<string, number>, counts: Record<string, number>): Record<string, number> {
  for (const [key, n] of Object.entries(counts)) total[key] = (total[key] ?? 0) + n;
  return total;
}

/** Percentages of equal-length slices: their plain mean is the whole period's figure. */
function meanCpu(usages: readonly CpuUsage[]): CpuUsage {
  const mean = (pick: (cpu: CpuUsage) => number) => usages.reduce((sum, cpu) => sum + pick(cpu), 0) / usages.length;
  const peers = Object.keys(usages[0]?.peersPct ?? {});
  return {
    machineBusyPct: mean((c) => c.machineBusyPct),
    foreignPct: mean((c) => c.foreignPct),
    servicePct: mean((c) => c.servicePct),
    ...(peers.length === 0 ? {} : { peersPct: Object.fromEntries(peers.map((name) => [name, mean((c) => c.peersPct?.[name] ?? 0)])) }),
  };
}

function combine(slices: readonly Slice[]): LoadResult {
  const durationSec = slices.reduce((sum, slice) => sum + slice.durationSec, 0);
  const latencies = slices.flatMap((slice) => slice.latencies);
  const statuses: Record<string, number> = {};
  for (const slice of slices) addCounts(statuses, slice.statuses);
  const counted = slices.some((slice) => slice.counted !== undefined)
    ? slices.reduce<Record<string, number>>((total, slice) => addCounts(total, slice.counted ?? {}), {})
    : undefined;
  const timed = slices.filter((slice): slice is Slice & { cpu: CpuUsage } => slice.cpu !== undefined);
  return {
    rps: latencies.length / durationSec,
    durationSec,
    latencyMs: summarize(latencies),
    statuses,
    errors: slices.reduce((sum, slice) => sum + slice.errors, 0),
    cpu: timed.length === 0 ? undefined : meanCpu(timed.map((slice) => slice.cpu)),
    counted,
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupSec > 0) await fire(spec, spec.warmupSec);
  await spec.beforeMeasure?.();
  return combine([await measureSlice(spec, spec.durationSec)]);
}

/**
 * Measures several loads in alternating slices (A, B, C, A, B, C, …), each getting its
 * `durationSec` in all. On a shared machine whatever else runs then weighs on all of them about
 * equally, which keeps their ratios meaningful even when the absolute figures move.
 */
export async function runInterleaved<const T extends readonly LoadSpec[]>(
  specs: T,
  rounds: number,
): Promise<{ -readonly [K in keyof T]: LoadResult }> {
  for (const spec of specs) if (spec.warmupSec > 0) await fire(spec, spec.warmupSec);
  const slices = specs.map((): Slice[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, spec] of specs.entries()) slices[i]?.push(await measureSlice(spec, spec.durationSec / rounds));
  }
  return slices.map(combine) as { -readonly [K in keyof T]: LoadResult };
}
