/**
 * The run's figures: the targets of issue 6 judged, one Markdown table for the terminal (and for
 * pasting into bench/README.md), and the JSON written to bench/results.json.
 */
import { cpus } from 'node:os';
import { THROUGHPUT_CONNECTIONS, type Profile } from './context.ts';
import type { CpuUsage } from './cpu.ts';
import type { LoadResult } from './measure.ts';
import { DEADLINE_CONNECTIONS, DEADLINE_MS } from './scenarios/deadline.ts';
import { EVENT_POLL_INTERVAL_MS, type FeedEventFigures } from './scenarios/feed-events.ts';
import { OVERHEAD_CONNECTIONS, OVERHEAD_WORKER_DELAY_MS, OVERHEAD_WORKERS, type OverheadFigures } from './scenarios/overhead.ts';
import { MAX_AGE_MS, type ReadsFigures, type RoundsFigures } from './scenarios/reads.ts';
import {
  SATURATION_BACKGROUND_REQUESTS,
  SATURATION_BACKGROUND_TIMEOUT_MS,
  SATURATION_CONNECTIONS,
  type SaturationFigures,
} from './scenarios/saturation.ts';
import { ASK_COUNT, SETTLE_MS, DEFAULT_FAN_OUT_CONNECTIONS, REFERENCE_WORKERS, type ScaleFigures } from './scenarios/scale.ts';
import type { RequestCpu, SignatureFigures } from './scenarios/signatures.ts';
import { CLUSTER_PROCESSES, type StoreFigures } from './scenarios/store.ts';
import type { ThroughputFigures } from './scenarios/throughput.ts';

export const TARGETS = {
  /** coordinator ÷ baseline req/s at 3 and at 10 workers, at least */
  throughputRatio: 0.85,
  /** coordinator's p99 ÷ the baseline's at 10 workers, at most */
  p99RatioAt10: 1.5,
  /** latency overhead p50 over the baseline's own, at most */
  overheadP50OverBaselineMs: 0.5,
  overheadP99Ms: 10,
  /** deadline + 25 ms */
  deadlineP99Ms: DEADLINE_MS + 25,
  residentIdleMiB: 120,
  residentAfterLoadMiB: 160,
  /** ask_count req/s ÷ the req/s of a coordinator with 10 workers measured beside it, at least (within 20 %) */
  askCountRatio: 0.8,
  /** deadline + 25 ms, with one of the workers saturated */
  saturatedDeadlineP99Ms: DEADLINE_MS + 25,
  /** max_age_ms req/s ÷ fan-out req/s (10 workers, 32 connections), at least */
  roundsRatio: 5,
  /** GET /feeds/{id}/latest req/s ÷ fan-out req/s (10 workers, 32 connections), at least */
  latestRatio: 10,
  /**
   * The coordinator's CPU per request added by signatures (10 workers) ÷ what its Ed25519 work
   * (10 verifications, 1 report signature) costs alone, at most: the code around the crypto may
   * add half as much again, not more.
   */
  signatureCpuShare: 1.5,
  /** --store redis req/s ÷ in-memory req/s (10 workers, 16 connections), at least */
  redisRatio: 0.8,
} as const;

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  platform: string;
}

export interface BenchResults {
  machine: Machine;
  profile: Profile;
  startedAt: string;
  elapsedSec: number;
  throughput: ThroughputFigures[];
  overhead?: { coordinator: OverheadFigures; baseline: OverheadFigures };
  deadline?: LoadResult;
  scale?: ScaleFigures;
  saturation?: SaturationFigures;
  reads?: ReadsFigures;
  feedEvents?: FeedEventFigures;
  signatures?: SignatureFigures;
  store?: StoreFigures;
  targets: TargetVerdict[];
  /** Measurements that misbehaved; any makes the run exit non-zero. */
  failures: string[];
}

export type Verdict = 'met' | 'missed' | 'n/a';

export interface TargetVerdict {
  name: string;
  target: string;
  measured: string;
  verdict: Verdict;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

const MIB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const signedMs = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms`;
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} req/s`;
/** The service's CPU (% of one core) and what processes outside the benchmark took (% of the machine). */
const cpuText = (cpu: CpuUsage | undefined) =>
  cpu
    ? ` · cpu ${Math.round(cpu.servicePct)} %${Object.entries(cpu.peersPct ?? {})
        .map(([name, pct]) => ` · ${name} ${Math.round(pct)} %`)
        .join('')} · others ${Math.round(cpu.foreignPct)} %`
    : '';
const cpuOf = (result: LoadResult) => cpuText(result.cpu);
const load = (result: LoadResult) =>
  result.latencyMs.count === 0
    ? `no request finished within ${result.durationSec.toFixed(1)} s${cpuOf(result)}`
    : `${rate(result.rps)} · p50 ${ms(result.latencyMs.p50)} · p99 ${ms(result.latencyMs.p99)}${cpuOf(result)}`;
const judge = (ok: boolean): Verdict => (ok ? 'met' : 'missed');

export function judgeTargets(results: Omit<BenchResults, 'targets' | 'elapsedSec'>): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const workers of [3, 10]) {
    const row = results.throughput.find((r) => r.workers === workers);
    if (!row) continue;
    verdicts.push({
      name: `throughput ÷ baseline, ${workers} workers`,
      target: `≥ ${TARGETS.throughputRatio}`,
      measured: row.ratio.toFixed(2),
      verdict: judge(row.ratio >= TARGETS.throughputRatio),
    });
    if (workers === 10) {
      const ratio = row.coordinator.latencyMs.p99 / row.baseline.latencyMs.p99;
      verdicts.push({
        name: 'p99 ÷ baseline p99, 10 workers',
        target: `≤ ${TARGETS.p99RatioAt10}`,
        measured: ratio.toFixed(2),
        verdict: judge(ratio <= TARGETS.p99RatioAt10),
      });
    }
  }
  if (results.overhead) {
    const { overheadP50Ms, overheadP99Ms } = results.overhead.coordinator;
    const allowed = results.overhead.baseline.overheadP50Ms + TARGETS.overheadP50OverBaselineMs;
    verdicts.push({
      name: 'latency overhead p50',
      target: `≤ baseline + ${TARGETS.overheadP50OverBaselineMs} ms (${allowed.toFixed(2)} ms)`,
      measured: signedMs(overheadP50Ms),
      verdict: judge(overheadP50Ms <= allowed),
    });
    verdicts.push({
      name: 'latency overhead p99',
      target: `≤ ${TARGETS.overheadP99Ms} ms`,
      measured: signedMs(overheadP99Ms),
      verdict: judge(overheadP99Ms <= TARGETS.overheadP99Ms),
    });
  }
  if (results.deadline) {
    const p99 = results.deadline.latencyMs.p99;
    verdicts.push({
      name: `deadline ${DEADLINE_MS} ms, p99`,
      target: `≤ ${TARGETS.deadlineP99Ms} ms`,
      measured: ms(p99),
      verdict: judge(p99 <= TARGETS.deadlineP99Ms),
    });
  }
  if (results.saturation) {
    const p99 = results.saturation.result.latencyMs.p99;
    verdicts.push({
      name: `deadline ${DEADLINE_MS} ms with a saturated worker, p99`,
      target: `≤ ${TARGETS.saturatedDeadlineP99Ms} ms`,
      measured: ms(p99),
      verdict: judge(p99 <= TARGETS.saturatedDeadlineP99Ms),
    });
  }
  const { rounds, latest } = results.reads ?? {};
  for (const row of rounds ? [rounds.oneQuery, rounds.queries] : []) {
    verdicts.push({
      name: roundsTargetName(row),
      target: `≥ ${TARGETS.roundsRatio}× fan-out`,
      measured: `${row.ratio.toFixed(1)}×`,
      verdict: judge(row.ratio >= TARGETS.roundsRatio),
    });
  }
  if (latest) {
    verdicts.push({
      name: 'feed latest ÷ fan-out',
      target: `≥ ${TARGETS.latestRatio}× fan-out`,
      measured: `${latest.ratio.toFixed(1)}×`,
      verdict: judge(latest.ratio >= TARGETS.latestRatio),
    });
  }
  if (results.signatures) {
    const { cpuOn, cpuOff } = results.signatures;
    const floor = coordinatorCryptoUs(results.signatures);
    const share =
      cpuOn.coordinatorUs === undefined || cpuOff.coordinatorUs === undefined
        ? undefined
        : (cpuOn.coordinatorUs - cpuOff.coordinatorUs) / floor;
    verdicts.push({
      name: SIGNATURE_CPU_TARGET,
      target: `≤ ${TARGETS.signatureCpuShare}× Ed25519 alone`,
      measured: share === undefined ? 'n/a (no /proc)' : `${share.toFixed(2)}×`,
      verdict: share === undefined ? 'n/a' : judge(share <= TARGETS.signatureCpuShare),
    });
  }
  if (results.store) {
    verdicts.push({
      name: 'Redis store ÷ memory store, 10 workers',
      target: `≥ ${TARGETS.redisRatio}`,
      measured: results.store.redisRatio.toFixed(2),
      verdict: judge(results.store.redisRatio >= TARGETS.redisRatio),
    });
  }
  if (results.scale) {
    const idle = results.scale.residentIdleBytes / MIB;
    const afterLoad = results.scale.residentSettledBytes / MIB;
    const workers = results.scale.workers.toLocaleString('en-US');
    verdicts.push({
      name: `resident memory idle, ${workers} workers`,
      target: `≤ ${TARGETS.residentIdleMiB} MiB`,
      measured: `${idle.toFixed(1)} MiB`,
      verdict: judge(idle <= TARGETS.residentIdleMiB),
    });
    verdicts.push({
      name: `resident memory after load, ${workers} workers`,
      target: `≤ ${TARGETS.residentAfterLoadMiB} MiB`,
      measured: `${afterLoad.toFixed(1)} MiB`,
      verdict: judge(afterLoad <= TARGETS.residentAfterLoadMiB),
    });
    const ask = results.scale.askCount;
    if (!ask.supported) {
      verdicts.push({
        name: `ask_count ${ASK_COUNT} ÷ 10 workers`,
        target: `≥ ${TARGETS.askCountRatio}`,
        measured: 'n/a (ask_count not supported)',
        verdict: 'n/a',
      });
    } else {
      const ratio = ask.result.rps / ask.reference.rps;
      verdicts.push({
        name: `ask_count ${ASK_COUNT} ÷ 10 workers`,
        target: `≥ ${TARGETS.askCountRatio}`,
        measured: ratio.toFixed(2),
        verdict: judge(ratio >= TARGETS.askCountRatio),
      });
    }
  }
  return verdicts;
}

const queriesOf = (row: RoundsFigures) => (row.queries === 1 ? '1 query' : `${row.queries} queries`);
const roundsTargetName = (row: RoundsFigures) => `max_age_ms ${MAX_AGE_MS}, ${queriesOf(row)} ÷ fan-out`;

/** Where the answers came from, in % of the requests served (oracle_requests_served_total). */
function servedSplit(result: LoadResult): string {
  const counted = result.counted ?? {};
  const total = Object.values(counted).reduce((sum, n) => sum + n, 0);
  if (total === 0) return '';
  const share = (key: string) => `${key} ${((100 * (counted[key] ?? 0)) / total).toFixed(1)} %`;
  return ` · ${['history', 'coalesced', 'fan_out'].map(share).join(' · ')}`;
}

type Row = [measurement: string, coordinator: string, baseline: string, ratio: string, target: string, verdict: string];

function verdictOf(results: BenchResults, name: string): [string, string] {
  const verdict = results.targets.find((t) => t.name === name);
  return verdict ? [verdict.target, verdict.verdict] : ['', ''];
}

function verdictMeasured(results: BenchResults, name: string): string {
  return results.targets.find((t) => t.name === name)?.measured ?? '';
}

function rowsOf(results: BenchResults): Row[] {
  const rows: Row[] = [];
  for (const row of results.throughput) {
    const [target, verdict] = verdictOf(results, `throughput ÷ baseline, ${row.workers} workers`);
    rows.push([
      `POST /request, ${row.workers} workers of 0 ms, ${row.connections} conns`,
      load(row.coordinator),
      load(row.baseline),
      row.ratio.toFixed(2),
      target,
      verdict,
    ]);
    if (row.workers === 10) {
      rows.push([
        `p99 latency, ${row.workers} workers of 0 ms, ${row.connections} conns`,
        ms(row.coordinator.latencyMs.p99),
        ms(row.baseline.latencyMs.p99),
        (row.coordinator.latencyMs.p99 / row.baseline.latencyMs.p99).toFixed(2),
        ...verdictOf(results, 'p99 ÷ baseline p99, 10 workers'),
      ]);
    }
  }
  if (results.overhead) {
    const { coordinator: c, baseline: b } = results.overhead;
    const context = `${OVERHEAD_WORKERS} workers of ${OVERHEAD_WORKER_DELAY_MS} ms, ${OVERHEAD_CONNECTIONS} conn`;
    for (const [p, overhead] of [
      ['p50', (f: OverheadFigures) => f.overheadP50Ms],
      ['p99', (f: OverheadFigures) => f.overheadP99Ms],
    ] as const) {
      rows.push([
        `latency overhead ${p}, ${context}`,
        `${signedMs(overhead(c))} (${ms(c.service.latencyMs[p])} − slowest worker ${ms(c.slowestWorkerMs[p])})${cpuOf(c.service)}`,
        `${signedMs(overhead(b))} (${ms(b.service.latencyMs[p])} − ${ms(b.slowestWorkerMs[p])})`,
        '',
        ...verdictOf(results, `latency overhead ${p}`),
      ]);
    }
  }
  if (results.deadline) {
    const d = results.deadline.latencyMs;
    rows.push([
      `deadline ${DEADLINE_MS} ms, 1 worker that never answers, ${DEADLINE_CONNECTIONS} conns`,
      `p50 ${ms(d.p50)} · p99 ${ms(d.p99)} · max ${ms(d.max)}${cpuOf(results.deadline)}`,
      '',
      '',
      ...verdictOf(results, `deadline ${DEADLINE_MS} ms, p99`),
    ]);
  }
  if (results.saturation) {
    const { result, backgroundHeld, overloaded } = results.saturation;
    const d = result.latencyMs;
    rows.push([
      `deadline ${DEADLINE_MS} ms, 1 of 3 workers saturated by ${SATURATION_BACKGROUND_REQUESTS} requests of ${SATURATION_BACKGROUND_TIMEOUT_MS / 1000} s, ${SATURATION_CONNECTIONS} conns`,
      `p50 ${ms(d.p50)} · p99 ${ms(d.p99)} · max ${ms(d.max)} · ${rate(result.rps)} · ${backgroundHeld} tasks held at it · overloaded ${overloaded.toLocaleString('en-US')}×${cpuOf(result)}`,
      '',
      '',
      ...verdictOf(results, `deadline ${DEADLINE_MS} ms with a saturated worker, p99`),
    ]);
  }
  if (results.reads) {
    const { fanOut, rounds, latest, workers, connections } = results.reads;
    rows.push([
      `POST /request, ${workers} workers of 0 ms, ${connections} conns (fan-out for the reads below)`,
      load(fanOut),
      '',
      '',
      '',
      '',
    ]);
    for (const row of rounds ? [rounds.oneQuery, rounds.queries] : []) {
      const spread = row.queries === 1 ? `${connections} conns` : `${row.queries} queries × ${connections / row.queries} conns`;
      rows.push([
        `POST /request max_age_ms ${MAX_AGE_MS}, ${row.queries === 1 ? '1 query, ' : ''}${spread}`,
        `${load(row.result)}${servedSplit(row.result)}`,
        '',
        `${row.ratio.toFixed(1)}× fan-out`,
        ...verdictOf(results, roundsTargetName(row)),
      ]);
    }
    if (latest) {
      rows.push([
        `GET /feeds/{id}/latest, ${connections} conns`,
        load(latest.result),
        '',
        `${latest.ratio.toFixed(1)}× fan-out`,
        ...verdictOf(results, 'feed latest ÷ fan-out'),
      ]);
    }
  }
  if (results.feedEvents) {
    const e = results.feedEvents;
    rows.push([
      `feed event delivery, ${e.subscribers} subscribers, a publication every ${EVENT_POLL_INTERVAL_MS} ms (information)`,
      `p50 ${ms(e.delayMs.p50)} · p99 ${ms(e.delayMs.p99)} · max ${ms(e.delayMs.max)} · ${e.delayMs.count.toLocaleString('en-US')} events (${e.publications} publications × ${e.subscribers})${cpuText(e.cpu)}`,
      '',
      '',
      '',
      '',
    ]);
  }
  if (results.signatures) rows.push(...signatureRows(results, results.signatures));
  if (results.store) rows.push(...storeRows(results, results.store));
  if (results.scale) {
    const s = results.scale;
    const workers = s.workers.toLocaleString('en-US');
    rows.push([
      `resident memory, ${workers} registered workers, idle`,
      mib(s.residentIdleBytes),
      '',
      '',
      ...verdictOf(results, `resident memory idle, ${workers} workers`),
    ]);
    rows.push([
      `resident memory, ${workers} registered workers, at the end of the loads (information)`,
      [
        `at the ask_count run's last request ${s.residentAfterAskCountBytes === undefined ? 'n/a' : mib(s.residentAfterAskCountBytes)}`,
        `at the last request without ask_count ${mib(s.residentAfterDefaultFanOutBytes)}`,
      ].join(' · '),
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      `resident memory, ${workers} registered workers, after the load (settled, without requests)`,
      s.settled
        ? `${mib(s.residentSettledBytes)} (settled ${(s.settledAfterMs / 1000).toFixed(0)} s after the last request)`
        : `${mib(s.residentSettledBytes)} (still moving ${SETTLE_MS / 1000} s after the last request)`,
      '',
      '',
      ...verdictOf(results, `resident memory after load, ${workers} workers`),
    ]);
    const [target, verdict] = verdictOf(results, `ask_count ${ASK_COUNT} ÷ 10 workers`);
    const ask = s.askCount;
    if (ask.supported) {
      rows.push([
        `POST /request, ${REFERENCE_WORKERS} workers of 0 ms, ${THROUGHPUT_CONNECTIONS} conns, a fresh coordinator in slices alternating with the next row`,
        load(ask.reference),
        '',
        '',
        '',
        '',
      ]);
    }
    rows.push([
      `POST /request, ${s.workers.toLocaleString('en-US')} workers, ask_count ${ASK_COUNT}, ${THROUGHPUT_CONNECTIONS} conns`,
      ask.supported ? load(ask.result) : 'n/a (ask_count not supported)',
      '',
      ask.supported ? `${(ask.result.rps / ask.reference.rps).toFixed(2)} of ${REFERENCE_WORKERS} workers beside it` : 'n/a',
      target,
      verdict,
    ]);
    const asked = s.defaultFanOut.workersAsked === undefined ? '' : `, ${s.defaultFanOut.workersAsked.toLocaleString('en-US')} asked`;
    rows.push([
      `POST /request, ${s.workers.toLocaleString('en-US')} workers, no ask_count${asked}, ${DEFAULT_FAN_OUT_CONNECTIONS} conns (information)`,
      load(s.defaultFanOut.result),
      '',
      '',
      '',
      '',
    ]);
  }
  return rows;
}

const micros = (value: number) => `${Math.round(value).toLocaleString('en-US')} µs`;

/** How much more CPU a signed request took than an unsigned one, e.g. "+610 µs (560 → 1,170 µs)". */
function addedCpu(off: number | undefined, on: number | undefined): string {
  if (off === undefined || on === undefined) return 'n/a (no /proc)';
  return `${on >= off ? '+' : '−'}${micros(Math.abs(on - off))} (${micros(off)} → ${micros(on)})`;
}

const SIGNATURE_CPU_TARGET = 'coordinator CPU added by signatures, 10 workers';

/** What the coordinator's Ed25519 work per signed request costs alone: a verification per answer and the report's signature. */
function coordinatorCryptoUs(f: SignatureFigures): number {
  return f.workers * f.crypto.verifyUs + f.crypto.signUs;
}

function signatureRows(results: BenchResults, f: SignatureFigures): Row[] {
  const what = `POST /request, ${f.workers} workers of 0 ms, ${f.connections} conns`;
  const perRequest = (pick: (cpu: RequestCpu) => number | undefined) => addedCpu(pick(f.cpuOff), pick(f.cpuOn));
  const { signUs, verifyUs } = f.crypto;
  return [
    [`${what}, unsigned workers, --require-signatures off`, load(f.off), '', '', '', ''],
    [`${what}, signed workers, --require-signatures on (information)`, load(f.on), '', `${f.ratio.toFixed(2)}× off`, '', ''],
    [
      `signing and verifying, CPU per request, ${f.workers} workers`,
      [
        `coordinator ${perRequest((c) => c.coordinatorUs)}`,
        `fleet ${perRequest((c) => c.fleetUs)}`,
        `Ed25519 alone here: verify ${verifyUs.toFixed(1)} µs, sign ${signUs.toFixed(1)} µs, so ${f.workers} verifications + 1 report ${micros(coordinatorCryptoUs(f))} and ${f.workers} signatures ${micros(f.workers * signUs)}`,
      ].join(' · '),
      '',
      verdictMeasured(results, SIGNATURE_CPU_TARGET),
      ...verdictOf(results, SIGNATURE_CPU_TARGET),
    ],
  ];
}

function storeRows(results: BenchResults, f: StoreFigures): Row[] {
  const what = `POST /request, ${f.workers} workers of 0 ms, ${f.connections} conns`;
  return [
    [`${what}, memory store`, load(f.memory), '', '', '', ''],
    [
      `${what}, --store redis`,
      load(f.redis),
      '',
      `${f.redisRatio.toFixed(2)}× memory`,
      ...verdictOf(results, 'Redis store ÷ memory store, 10 workers'),
    ],
    [
      `${what}, --store redis, --processes ${CLUSTER_PROCESSES} (information)`,
      load(f.cluster),
      '',
      `${f.clusterRatio.toFixed(2)}× 1 process`,
      '',
      '',
    ],
  ];
}

function allLoads(results: BenchResults): LoadResult[] {
  const loads = results.throughput.flatMap((row) => [row.coordinator, row.baseline]);
  if (results.overhead) loads.push(results.overhead.coordinator.service, results.overhead.baseline.service);
  if (results.deadline) loads.push(results.deadline);
  if (results.saturation) loads.push(results.saturation.result);
  if (results.reads) {
    const { fanOut, rounds, latest } = results.reads;
    loads.push(fanOut, ...(rounds ? [rounds.oneQuery.result, rounds.queries.result] : []), ...(latest ? [latest.result] : []));
  }
  if (results.signatures) loads.push(results.signatures.off, results.signatures.on);
  if (results.store) loads.push(results.store.memory, results.store.redis, results.store.cluster);
  if (results.scale) {
    if (results.scale.askCount.supported) loads.push(results.scale.askCount.result, results.scale.askCount.reference);
    loads.push(results.scale.defaultFanOut.result);
  }
  return loads;
}

/** How much CPU processes outside the benchmark took: the context every figure needs here. */
function foreignLoadNote(results: BenchResults): string {
  const foreign = [...allLoads(results).map((load) => load.cpu), results.feedEvents?.cpu].flatMap((cpu) => (cpu ? [cpu.foreignPct] : []));
  if (foreign.length === 0) return 'cpu: not measured (no /proc)';
  const mean = foreign.reduce((sum, value) => sum + value, 0) / foreign.length;
  return (
    `cpu: "cpu N %" is the service's own use, in % of one core; "others N %" is what processes outside the benchmark took, in % of the machine: ${mean.toFixed(0)} % on average ` +
    `(at most ${Math.max(...foreign).toFixed(0)} %) during the measurements${mean > 10 ? ': the machine was shared, so absolute figures are low; ratios hold better' : ''}.`
  );
}

function markdownTable(header: Row, rows: Row[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderReport(results: BenchResults): string {
  const { machine, profile } = results;
  const title = `Oracle coordinator benchmark, ${profile.name} run (${profile.durationSec} s per measurement after ${profile.warmupSec} s warm-up): ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.platform}, ${results.startedAt}; the coordinator runs from its build (dist/)`;
  const table = markdownTable(['measurement', 'coordinator', 'baseline', 'coordinator ÷ baseline', 'target', 'verdict'], rowsOf(results));
  const missed = results.targets.filter((t) => t.verdict === 'missed');
  const summary = [
    `targets: ${results.targets.filter((t) => t.verdict === 'met').length} met, ${missed.length} missed, ${results.targets.filter((t) => t.verdict === 'n/a').length} n/a` +
      (missed.length > 0 ? ` (missed: ${missed.map((t) => `${t.name} ${t.measured}, target ${t.target}`).join('; ')})` : ''),
    foreignLoadNote(results),
    ...results.failures.map((failure) => `FAILED: ${failure}`),
  ];
  return [title, '', table, '', ...summary].join('\n');
}
