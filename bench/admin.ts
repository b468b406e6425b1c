/**
 * The benchmark's own calls to a service (the coordinator or the baseline, which share these
 * routes), through the typed clients of src/client/: registering and deregistering the fleet's
 * workers, single probe requests, defining feeds, and the coordinator's metrics.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoordinatorApi } from '../src/client/api.ts';
import { createOracleClient } from '../src/client/client.ts';
import type { FeedDefinition, FeedValue, KeySet, OracleRequestSubmission, OracleResult, Problem } from '../src/contract/models.ts';
import { ProblemResponseError } from '../src/http/problems.ts';
import { CALL_PATHS, signedRegistration, signWorkerCall } from '../src/signing/worker-call.ts';
import type { BenchWorker } from './fleet-client.ts';

/** Enough parallel registrations to be quick, few enough not to queue thousands of sockets. */
const REGISTRATION_CONCURRENCY = 16;

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** A worker with a key registers with its public key and a signed call, as the product's workers do. */
export async function registerWorkers(serviceUrl: string, workers: readonly BenchWorker[]): Promise<void> {
  const api = createCoordinatorApi({ baseUrl: serviceUrl });
  await forEachLimited(workers, REGISTRATION_CONCURRENCY, async ({ id, endpoint, key }) => {
    const call = key === undefined ? { body: { id, endpoint } } : signedRegistration(key, { id, endpoint });
    const { error, response } = await api.POST('/register', call);
    if (response.status !== 200) throw new Error(`POST ${serviceUrl}/register answered ${response.status}: ${JSON.stringify(error)}`);
  });
}

/** A worker with a key signs its deregistration: the coordinator refuses it unsigned once the id is bound to the key. */
export async function deregisterWorkers(serviceUrl: string, workers: readonly BenchWorker[]): Promise<void> {
  const api = createCoordinatorApi({ baseUrl: serviceUrl });
  await forEachLimited(workers, REGISTRATION_CONCURRENCY, async ({ id, key }) => {
    const headers =
      key === undefined
        ? {}
        : signWorkerCall(key, { method: 'DELETE', path: CALL_PATHS.deregister(id), workerId: id, endpoint: undefined });
    const { response } = await api.DELETE('/workers/{id}', { params: { path: { id } }, headers });
    if (response.status !== 204) throw new Error(`DELETE ${serviceUrl}/workers/${id} answered ${response.status}`);
  });
}

/** What one probe request got: the result, or the problem the service answered with. */
export type ProbeOutcome = { result: OracleResult } | { problem: Problem };

/** One POST /request outside the load, with the client library, to check what the service answers. */
export async function probeRequest(serviceUrl: string, submission: OracleRequestSubmission): Promise<ProbeOutcome> {
  const { query, ...options } = submission;
  try {
    return { result: await createOracleClient({ baseUrl: serviceUrl }).submitOracleRequest(query, options) };
  } catch (error) {
    if (error instanceof ProblemResponseError) return { problem: error.problem };
    throw error;
  }
}

/** The coordinator's and the workers' public keys, as a client verifying results fetches them (GET /keys). */
export function readKeys(serviceUrl: string): Promise<KeySet> {
  return createOracleClient({ baseUrl: serviceUrl }).getKeys();
}

/** One sample of a metric in the Prometheus text format. */
export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/** Every sample of the metric `name` in the coordinator's GET /metrics (none when it has none yet). */
export async function readMetric(serviceUrl: string, name: string): Promise<MetricSample[]> {
  const { data, response } = await createCoordinatorApi({ baseUrl: serviceUrl }).GET('/metrics', { parseAs: 'text' });
  if (response.status !== 200 || data === undefined) throw new Error(`GET ${serviceUrl}/metrics answered ${response.status}`);
  const samples: MetricSample[] = [];
  for (const line of data.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (match?.[1] !== name || match[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) if (key !== undefined) labels[key] = value ?? '';
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

/** A counter's samples by the value of one of its labels, e.g. oracle_requests_served_total by served_from. */
export async function readCounterBy(serviceUrl: string, name: string, label: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await readMetric(serviceUrl, name)) {
    const key = sample.labels[label];
    if (key !== undefined) counts[key] = (counts[key] ?? 0) + sample.value;
  }
  return counts;
}

/** The coordinator's resident memory as its own Prometheus metric reports it. */
export async function readMetricResidentBytes(serviceUrl: string): Promise<number> {
  const sample = (await readMetric(serviceUrl, 'process_resident_memory_bytes'))[0];
  if (sample === undefined) throw new Error(`no process_resident_memory_bytes in GET ${serviceUrl}/metrics`);
  return sample.value;
}

/** Creates or replaces a feed (the benchmark's coordinators have no admin token). */
export async function defineFeed(serviceUrl: string, feedId: string, definition: FeedDefinition): Promise<void> {
  const { error, response } = await createCoordinatorApi({ baseUrl: serviceUrl }).PUT('/feeds/{feed_id}', {
    params: { path: { feed_id: feedId } },
    body: definition,
  });
  if (response.status !== 200 && response.status !== 201)
    throw new Error(`PUT ${serviceUrl}/feeds/${feedId} answered ${response.status}: ${JSON.stringify(error)}`);
}

export async function deleteFeed(serviceUrl: string, feedId: string): Promise<void> {
  const { response } = await createCoordinatorApi({ baseUrl: serviceUrl }).DELETE('/feeds/{feed_id}', {
    params: { path: { feed_id: feedId } },
  });
  if (response.status !== 204) throw new Error(`DELETE ${serviceUrl}/feeds/${feedId} answered ${response.status}`);
}

/** The feed's first publication: polls GET /feeds/{id}/latest while it answers 404 NO_PUBLICATION. */
export async function waitForPublication(serviceUrl: string, feedId: string, timeoutMs: number): Promise<FeedValue> {
  const client = createOracleClient({ baseUrl: serviceUrl });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await client.readFeed(feedId);
    } catch (error) {
      if (!(error instanceof ProblemResponseError) || error.problem.code !== 'NO_PUBLICATION' || Date.now() > deadline) throw error;
    }
    await sleep(20);
  }
}
