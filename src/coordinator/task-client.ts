/**
 * Sends one task to one worker: `POST /task` over undici's `request` with a keep-alive pool per
 * worker, the path and body typed from generated/worker.ts. It returns the raw answer (judging
 * it is answer-check's job) and reads at most `maxAnswerBytes` of it (undici's own cap, checked
 * as the body arrives), so a hostile worker cannot make the coordinator buffer an unbounded body.
 *
 * It used to go through openapi-fetch over undici's `fetch`; on Node 20 that builds WHATWG
 * Request/Response objects and web streams for every task, and the benchmark measured it at a
 * fifth of the throughput of `request` (bench/README.md).
 */
import { Agent } from 'undici';
import type { paths as WorkerPaths } from '../../generated/worker.ts';
import { bearerHeader } from '../http/bearer.ts';
import type { RawAnswer } from './answer-check.ts';
import type { Lookup } from '../net/endpoint-policy.ts';
import { WorkerConnections } from './worker-connections.ts';

type TaskPath = Extract<keyof WorkerPaths, '/task'>;
type TaskBody = WorkerPaths[TaskPath]['post']['requestBody']['content']['application/json'];

const TASK_PATH: TaskPath = '/task';

export type SendTask = (endpoint: string, task: TaskBody, signal: AbortSignal) => Promise<RawAnswer>;

export interface TaskClient {
  sendTask: SendTask;
  close(): Promise<void>;
}

export interface TaskClientOptions {
  /** Largest answer read from a worker, in bytes. */
  maxAnswerBytes: number;
  /**
   * Connections kept to one worker, and so the most tasks in flight to it: a task beyond them
   * fails at once as overloaded instead of queueing behind the others, where it would wait for a
   * socket past its deadline.
   */
  maxTasksPerWorker?: number;
  /** Safety nets under the request's own deadline: a worker may stall headers or body this long. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Resolves worker hostnames; the endpoint policy's guarded lookup refuses forbidden addresses. */
  lookup?: Lookup;
  /** Presented to workers as a bearer token. */
  taskToken?: string | undefined;
}

/** A transport failure whose message is fit to show a client as the worker's `err`. */
export class TaskTransportError extends Error {
  override name = 'TaskTransportError';
}

/** The worker already has as many tasks in flight as it has connections. */
export class WorkerOverloadedError extends TaskTransportError {
  override name = 'WorkerOverloadedError';
}

export const DEFAULT_TASKS_PER_WORKER = 64;

/** Most endpoints whose parsed task URL is kept; registrations, not requests, add to them. */
const MAX_TASK_TARGETS = 10_000;

/**
 * Where a worker's tasks go, parsed once per endpoint: `request(url)` would build a URL and copy
 * its options for every task. The URL is the one `request` would have parsed, so an endpoint with
 * a path prefix keeps it.
 */
class TaskTargets {
  readonly #parsed = new Map<string, { origin: string; path: string }>();

  of(endpoint: string): { origin: string; path: string } {
    let target = this.#parsed.get(endpoint);
    if (target === undefined) {
      const url = new URL(endpoint.endsWith('/') ? `${endpoint.slice(0, -1)}${TASK_PATH}` : `${endpoint}${TASK_PATH}`);
      target = { origin: url.origin, path: `${url.pathname}${url.search}` };
      if (this.#parsed.size >= MAX_TASK_TARGETS) this.#parsed.clear();
      this.#parsed.set(endpoint, target);
    }
    return target;
  }
}

export function createTaskClient(options: TaskClientOptions): TaskClient {
  const maxTasksPerWorker = options.maxTasksPerWorker ?? DEFAULT_TASKS_PER_WORKER;
  const agent = new Agent({
    // A dispatcher of ours per worker instead of undici's Pool, which holds 16 KB however idle.
    factory: (origin, clientOptions) => new WorkerConnections(origin, clientOptions),
    keepAliveTimeout: 30_000,
    connections: maxTasksPerWorker,
    headersTimeout: options.headersTimeoutMs ?? 60_000,
    // undici refuses a longer answer itself (UND_ERR_RES_EXCEEDED_MAX_SIZE), as it reads it.
    maxResponseSize: options.maxAnswerBytes,
    bodyTimeout: options.bodyTimeoutMs ?? 60_000,
    ...(options.lookup ? { connect: { lookup: options.lookup } } : {}),
  });
  const headers = { 'content-type': 'application/json', ...bearerHeader(options.taskToken) };
  // Tasks whose HTTP exchange has not ended, by endpoint: each holds (or waits for) a connection
  // until undici lets go of it, which may be after the dispatch has given up on it.
  const inFlight = new Map<string, number>();
  const release = (endpoint: string) => {
    const left = (inFlight.get(endpoint) ?? 1) - 1;
    if (left === 0) inFlight.delete(endpoint);
    else inFlight.set(endpoint, left);
  };
  const targets = new TaskTargets();
  // A fan-out sends the same task (never changed once sent) to every worker in one synchronous
  // pass: serialise it once, to bytes that undici writes as they are (a string body it would
  // copy into a new Buffer for every task).
  let lastTask: TaskBody | undefined;
  let lastBody = Buffer.alloc(0);
  return {
    async sendTask(endpoint, task, signal) {
      const busy = inFlight.get(endpoint) ?? 0;
      if (busy >= maxTasksPerWorker) throw new WorkerOverloadedError(`overloaded: ${busy} tasks already in flight to this worker`);
      inFlight.set(endpoint, busy + 1);
      try {
        if (task !== lastTask) {
          lastBody = Buffer.from(JSON.stringify(task), 'utf8');
          lastTask = task;
        }
        const { origin, path } = targets.of(endpoint);
        const answer = await agent.request({ origin, path, method: 'POST', headers, body: lastBody, signal });
        const contentType = answer.headers['content-type'];
        return {
          status: answer.statusCode,
          contentType: typeof contentType === 'string' ? contentType : null,
          body: await answer.body.text(),
        };
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
          throw new TaskTransportError(`answer larger than ${options.maxAnswerBytes} bytes`);
        }
        throw error;
      } finally {
        release(endpoint);
      }
    },
    close: () => agent.close(),
  };
}
