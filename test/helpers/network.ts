/** Real servers on port 0 over loopback, with response validation on, for the end-to-end tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll } from 'vitest';
import type { AddressInfo } from 'node:net';
import { DEFAULT_COORDINATOR_CONFIG, type CoordinatorConfig } from '../../src/coordinator/config.ts';
import { startCoordinatorServer, type CoordinatorServer } from '../../src/coordinator/server.ts';
import { closeServer } from '../../src/http/server-lifecycle.ts';
import type { ServerLimits } from '../../src/http/server-limits.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { OracleRequest } from '../../src/contract/models.ts';
import { simulationFor, type SimulationSettings } from '../../src/worker/simulation.ts';
import { startWorkerServer, type WorkerServer } from '../../src/worker/server.ts';

export const silentLogger = createLogger('test', 'silent');

export const HONEST: SimulationSettings = simulationFor('honest', { minDelayMs: 0, maxDelayMs: 5, failureRate: 0 });

export function startTestCoordinator(overrides: Partial<CoordinatorConfig> = {}): Promise<CoordinatorServer> {
  return startCoordinatorServer({ ...DEFAULT_COORDINATOR_CONFIG, port: 0, validateResponses: true, ...overrides }, silentLogger);
}

export function startTestWorker(
  id: string,
  simulation: Partial<SimulationSettings> = {},
  seed = 1,
  serverLimits: Partial<ServerLimits> = {},
): Promise<WorkerServer> {
  return startWorkerServer(
    { id, host: '127.0.0.1', port: 0, seed, simulation: { ...HONEST, ...simulation }, validateResponses: true, serverLimits },
    silentLogger,
  );
}

export interface RunningServices {
  readonly coordinator: CoordinatorServer;
  readonly worker: WorkerServer;
  /** The base URL of one of them. */
  urlOf(service: 'coordinator' | 'worker'): string;
}

/**
 * A test coordinator and a test worker ("worker-1", not registered) for the tests of one file:
 * started before they run, closed after them. Read the servers inside the tests.
 */
export function useTestServices(coordinatorOverrides: Partial<CoordinatorConfig> = {}): RunningServices {
  let coordinator: CoordinatorServer | undefined;
  let worker: WorkerServer | undefined;
  const running = <T>(server: T | undefined): T => {
    if (server === undefined) throw new Error('the test services are not running: use them inside a test');
    return server;
  };
  beforeAll(async () => {
    [coordinator, worker] = await Promise.all([startTestCoordinator(coordinatorOverrides), startTestWorker('worker-1')]);
  });
  afterAll(async () => {
    await Promise.all([coordinator?.close(), worker?.close()]);
  });
  return {
    get coordinator() {
      return running(coordinator);
    },
    get worker() {
      return running(worker);
    },
    urlOf: (service) => running(service === 'coordinator' ? coordinator : worker).url,
  };
}

export interface JsonReply {
  status: number;
  contentType: string | null;
  body: Record<string, unknown>;
}

export async function postJson(url: string, body: unknown, init: { contentType?: string; signal?: AbortSignal } = {}): Promise<JsonReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

export async function register(coordinatorUrl: string, id: string, endpoint: string): Promise<void> {
  const reply = await postJson(`${coordinatorUrl}/register`, { id, endpoint });
  if (reply.status !== 200) throw new Error(`registration of ${id} failed: ${JSON.stringify(reply.body)}`);
}

export type FakeTaskHandler = (task: OracleRequest, res: ServerResponse, req: IncomingMessage) => void;

export interface FakeWorker {
  url: string;
  /** Tasks received so far. */
  tasks: OracleRequest[];
  close(): Promise<void>;
}

/** A bare HTTP server posing as a worker, for answers a real worker would never give. */
export async function startFakeWorker(handle: FakeTaskHandler): Promise<FakeWorker> {
  const tasks: OracleRequest[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const task = JSON.parse(raw) as OracleRequest;
      tasks.push(task);
      handle(task, res, req);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, tasks, close: () => closeServer(server) };
}

export function replyJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType }).end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A port that was free a moment ago, for processes that must be told their port up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Closes everything a test started, even when the test failed half-way. */
export class Cleanup {
  readonly #closers: (() => Promise<unknown>)[] = [];

  add<T extends { close(): Promise<unknown> }>(resource: T): T {
    this.#closers.push(() => resource.close());
    return resource;
  }

  async run(): Promise<void> {
    await Promise.allSettled(
      this.#closers
        .splice(0)
        .reverse()
        .map((close) => close()),
    );
  }
}
