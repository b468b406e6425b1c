/**
 * Runs a scenario: real workers and, for each strategy, a fresh real coordinator, all on
 * loopback in this process and registered over HTTP; then the scenario's requests, one at a
 * time, each priced at its own simulated moment and scored against the scenario's truth (the
 * synthetic market, or a recording of real prices), which the simulated workers report too.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoordinatorApi, createWorkerApi } from '../client/api.ts';
import { createOracleClient, verifyOracleResult } from '../client/client.ts';
import { DEFAULT_COORDINATOR_CONFIG } from '../coordinator/config.ts';
import { deviationInBps } from '../coordinator/feeds/update-rule.ts';
import { startCoordinatorServer } from '../coordinator/server.ts';
import { signedRegistration } from '../signing/worker-call.ts';
import { createLogger } from '../logging/logger.ts';
import type { OracleResult } from '../contract/models.ts';
import { ProblemResponseError } from '../http/problems.ts';
import { hashString } from '../market/random.ts';
import type { Profile } from '../worker/simulation.ts';
import { startWorkerServer, type WorkerServer } from '../worker/server.ts';
import type { Scenario, StrategyVariant } from './scenario.ts';

export interface LabWorker {
  readonly id: string;
  readonly profile: Profile;
}

export interface RequestRecord {
  readonly index: number;
  /** The simulated moment priced (the request's `as_of`), epoch ms. */
  readonly asOfMs: number;
  readonly truth: number;
  /** Undefined when the coordinator gave no answer (a 503 problem). */
  readonly finalValue: number | undefined;
  /** True when the answer came from fewer usable values than the quorum asks for. */
  readonly partial: boolean;
  /** |final − truth| / truth in basis points; undefined without an answer. */
  readonly errorBps: number | undefined;
  readonly latencyMs: number;
  readonly problem?: string;
  readonly valuesUsed: number;
  readonly valuesRejected: number;
  /** worker id → score after this request. */
  readonly scores: Record<string, number>;
  /** The answers that were used or rejected, for inspection. */
  readonly answers: readonly { workerId: string; value: number | undefined; err: string | undefined; reliable: boolean }[];
}

export interface VariantRun {
  readonly variant: StrategyVariant;
  readonly records: readonly RequestRecord[];
}

export interface LabRun {
  readonly scenario: Scenario;
  readonly workers: readonly LabWorker[];
  readonly runs: readonly VariantRun[];
}

export type ProgressListener = (done: number, total: number, label: string) => void;

const silent = createLogger('lab', 'silent');

export async function runScenario(scenario: Scenario, onProgress: ProgressListener = () => {}): Promise<LabRun> {
  const servers: WorkerServer[] = [];
  const workers: LabWorker[] = [];
  try {
    for (const group of scenario.groups) {
      for (let i = 0; i < group.count; i++) {
        const id = `${group.profile}-${workers.filter((w) => w.profile === group.profile).length + 1}`;
        const seed = hashString(`${scenario.seed}|${id}`);
        servers.push(
          await startWorkerServer(
            { id, host: '127.0.0.1', port: 0, seed, simulation: group.simulation, truth: scenario.truth.priceAt },
            silent,
          ),
        );
        workers.push({ id, profile: group.profile });
      }
    }
    // One throwaway task each, so that first-call costs (the OpenAPI validator compiling its spec,
    // JIT) are not paid inside a measured request, where they could break a tight deadline.
    await Promise.all(
      servers.map((server) => createWorkerApi({ baseUrl: server.url }).POST('/task', { body: { id: 'warm-up', query: scenario.query } })),
    );
    const runs: VariantRun[] = [];
    const total = scenario.variants.length * scenario.requests;
    for (const [v, variant] of scenario.variants.entries()) {
      runs.push(
        await runVariant(scenario, variant, workers, servers, (done) => onProgress(v * scenario.requests + done, total, variant.label)),
      );
    }
    return { scenario, workers, runs };
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

async function runVariant(
  scenario: Scenario,
  variant: StrategyVariant,
  workers: readonly LabWorker[],
  servers: readonly WorkerServer[],
  onDone: (done: number) => void,
): Promise<VariantRun> {
  const coordinator = await startCoordinatorServer(
    {
      ...DEFAULT_COORDINATOR_CONFIG,
      port: 0,
      timeoutMs: scenario.timeoutMs,
      // Ejection and eviction run on wall-clock time, which would make runs irreproducible.
      maxEjectedShare: 0,
      // As a deployment runs: every answer signed, every result with its report.
      requireSignatures: 'on',
      workerTtlMs: 86_400_000,
      logLevel: 'silent',
    },
    silent,
  );
  try {
    const client = createOracleClient({ baseUrl: coordinator.url });
    const api = createCoordinatorApi({ baseUrl: coordinator.url });
    // A throwaway request (see above) before any worker is registered, so it touches no score:
    // it answers 503 NO_WORKERS.
    await api.POST('/request', { body: { query: scenario.query } });
    for (const [i, worker] of workers.entries()) {
      const server = servers[i];
      if (server === undefined) throw new Error(`no server for ${worker.id}`);
      const { response } = await api.POST('/register', signedRegistration(server.key, { id: worker.id, endpoint: server.url }));
      if (!response.ok) throw new Error(`registering ${worker.id} failed with HTTP ${response.status}`);
    }
    const keys = await client.getKeys();
    const records: RequestRecord[] = [];
    const interval = 1000 / scenario.rate;
    for (let index = 0; index < scenario.requests; index++) {
      const startedAt = performance.now();
      const asOfMs = scenario.startMs + index * scenario.stepMs;
      const truth = scenario.truth.priceAt(scenario.query, asOfMs);
      let result: OracleResult | undefined;
      let problem: string | undefined;
      try {
        result = await client.submitOracleRequest(scenario.query, {
          strategy: variant.strategy,
          timeout_ms: scenario.timeoutMs,
          mad_k: variant.madK,
          as_of: new Date(asOfMs).toISOString(),
        });
        // Every answer the lab scores must be one a client could check: a report that does not verify is a bug.
        const verification = verifyOracleResult(result, keys);
        if (!verification.valid) throw new Error(`result ${result.request_id} does not verify: ${verification.failures.join('; ')}`);
      } catch (error) {
        if (!(error instanceof ProblemResponseError)) throw error;
        problem = error.problem.code ?? error.problem.title;
      }
      const latencyMs = performance.now() - startedAt;
      const scores = Object.fromEntries((await client.listWorkers()).map((w) => [w.id, w.score ?? 1]));
      records.push({
        index,
        asOfMs,
        truth,
        finalValue: result?.final_value,
        partial: result?.partial === true,
        errorBps: result === undefined ? undefined : deviationInBps(result.final_value, truth),
        latencyMs,
        ...(problem === undefined ? {} : { problem }),
        valuesUsed: result?.values_used ?? 0,
        valuesRejected: result?.values_rejected ?? 0,
        scores,
        answers: (result?.worker_responses ?? []).map((r) => ({
          workerId: r.worker_id,
          value: r.err === undefined ? r.value : undefined,
          err: r.err,
          reliable: r.reliable,
        })),
      });
      onDone(index + 1);
      const wait = interval - (performance.now() - startedAt);
      if (wait > 0 && index + 1 < scenario.requests) await sleep(wait);
    }
    return { variant, records };
  } finally {
    await coordinator.close();
  }
}
