/**
 * The benchmark's own calls to a service (the coordinator or the baseline, which share these
 * routes), through the typed clients of src/client/: registering and deregistering the fleet's
 * workers, single probe requests, and the coordinator's memory metric.
 */
import { createCoordinatorApi } from '../src/client/api.ts';
import { createOracleClient } from '../src/client/client.ts';
import type { OracleRequestSubmission, OracleResult, Problem } from '../src/contract/models.ts';
import { ProblemResponseError } from '../src/http/problems.ts';
import type { FleetWorker } from './fleet-protocol.ts';

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

export async function registerWorkers(serviceUrl: string, workers: readonly FleetWorker[]): Promise<void> {
  const api = createCoordinatorApi({ baseUrl: serviceUrl });
  await forEachLimited(workers, REGISTRATION_CONCURRENCY, async (worker) => {
    const { error, response } = await api.POST('/register', { body: { id: worker.id, endpoint: worker.endpoint } });
    if (response.status !== 200) throw new Error(`POST ${serviceUrl}/register answered ${response.status}: ${JSON.stringify(error)}`);
  });
}

export async function deregisterWorkers(serviceUrl: string, workers: readonly FleetWorker[]): Promise<void> {
  const api = createCoordinatorApi({ baseUrl: serviceUrl });
  await forEachLimited(workers, REGISTRATION_CONCURRENCY, async (worker) => {
    const { response } = await api.DELETE('/workers/{id}', { params: { path: { id: worker.id } } });
    if (response.status !== 204) throw new Error(`DELETE ${serviceUrl}/workers/${worker.id} answered ${response.status}`);
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

/** The coordinator's resident memory as its own Prometheus metric reports it. */
export async function readMetricResidentBytes(serviceUrl: string): Promise<number> {
  const { data, response } = await createCoordinatorApi({ baseUrl: serviceUrl }).GET('/metrics', { parseAs: 'text' });
  const match = /^process_resident_memory_bytes\s+(\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(data ?? '');
  if (response.status !== 200 || !match?.[1])
    throw new Error(`no process_resident_memory_bytes in GET ${serviceUrl}/metrics (HTTP ${response.status})`);
  return Number(match[1]);
}
