/**
 * The benchmark's own calls to a service (the coordinator or the baseline, which share these
 * routes): registering and deregistering the fleet's workers, and single probe requests.
 */
import { request } from 'undici';
import type { WorkerRegistration } from '../src/contract/models.ts';
import type { FleetWorker } from './fleet-protocol.ts';

/** Enough parallel registrations to be quick, few enough not to queue thousands of sockets. */
const REGISTRATION_CONCURRENCY = 16;

export interface JsonReply {
  status: number;
  body: unknown;
}

export async function postJson(url: string, payload: unknown): Promise<JsonReply> {
  const { statusCode, body } = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const text = await body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: statusCode, body: parsed };
}

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
  await forEachLimited(workers, REGISTRATION_CONCURRENCY, async (worker) => {
    const registration: WorkerRegistration = { id: worker.id, endpoint: worker.endpoint };
    const reply = await postJson(`${serviceUrl}/register`, registration);
    if (reply.status !== 200) throw new Error(`POST ${serviceUrl}/register answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  });
}

export async function deregisterWorkers(serviceUrl: string, workers: readonly FleetWorker[]): Promise<void> {
  await forEachLimited(workers, REGISTRATION_CONCURRENCY, async (worker) => {
    const { statusCode, body } = await request(`${serviceUrl}/workers/${encodeURIComponent(worker.id)}`, { method: 'DELETE' });
    await body.dump();
    if (statusCode !== 204) throw new Error(`DELETE ${serviceUrl}/workers/${worker.id} answered ${statusCode}`);
  });
}

/** The coordinator's resident memory as its own Prometheus metric reports it. */
export async function readMetricResidentBytes(serviceUrl: string): Promise<number> {
  const { statusCode, body } = await request(`${serviceUrl}/metrics`);
  const text = await body.text();
  const match = /^process_resident_memory_bytes\s+(\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(text);
  if (statusCode !== 200 || !match?.[1])
    throw new Error(`no process_resident_memory_bytes in GET ${serviceUrl}/metrics (HTTP ${statusCode})`);
  return Number(match[1]);
}
