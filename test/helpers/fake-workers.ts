/**
 * Bare HTTP servers posing as workers, for the end-to-end and contract tests: answers a real
 * worker would never give (wrong ids, broken JSON, hangs), or fixed values chosen by the test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { OracleRequest, WorkerResult } from '../../src/contract/models.ts';
import { closeServer, listen } from '../../src/http/server-lifecycle.ts';
import { register, type Cleanup } from './network.ts';

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
  const url = await listen(server, 0, '127.0.0.1');
  return { url, tasks, close: () => closeServer(server) };
}

export function replyJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType }).end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** What an honest worker named `workerId` answers to `task`. */
export function answerOf(workerId: string, task: OracleRequest, value: number): WorkerResult {
  return { worker_id: workerId, request_id: task.id, value, response_time: '1ms', reliable: true };
}

/** A fake worker that answers every task as `id` with `value` (or with what `value()` says at that moment). */
export function startAnsweringWorker(id: string, value: number | (() => number) = 100): Promise<FakeWorker> {
  return startFakeWorker((task, res) => replyJson(res, 200, answerOf(id, task, typeof value === 'number' ? value : value())));
}

/**
 * For each worker id → value, an answering fake worker, registered with the coordinator in that
 * order and left to `cleanup`. (Ids that look like array indices would be reordered: avoid them.)
 */
export async function registerAnsweringWorkers(coordinatorUrl: string, cleanup: Cleanup, workers: Record<string, number>): Promise<void> {
  for (const [id, value] of Object.entries(workers))
    await register(coordinatorUrl, id, cleanup.add(await startAnsweringWorker(id, value)).url);
}
