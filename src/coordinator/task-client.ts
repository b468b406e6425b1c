/**
 * Sends one task to one worker over the typed worker client (openapi-fetch over undici with a
 * keep-alive pool). It returns the raw answer: judging it is answer-check's job, and reading
 * the body as text keeps a broken answer from throwing before it can be judged.
 */
import createClient from 'openapi-fetch';
import { Agent, fetch as undiciFetch, Request as UndiciRequest } from 'undici';
import type { paths as WorkerPaths } from '../../generated/worker.ts';
import type { OracleRequest } from '../shared/models.ts';
import type { RawAnswer } from './answer-check.ts';

export type SendTask = (endpoint: string, task: OracleRequest, signal: AbortSignal) => Promise<RawAnswer>;

export interface TaskClient {
  sendTask: SendTask;
  close(): Promise<void>;
}

export function createTaskClient(): TaskClient {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const client = createClient<WorkerPaths>({
    // undici's fetch and Request come as a pair with its Agent; the global ones belong to the
    // undici copy inside Node and cannot take this Agent.
    fetch: undiciFetch as unknown as typeof globalThis.fetch,
    Request: UndiciRequest as unknown as typeof globalThis.Request,
    requestInitExt: { dispatcher: agent },
  });
  return {
    async sendTask(endpoint, task, signal) {
      const { data, error, response } = await client.POST('/task', { baseUrl: endpoint, body: task, signal, parseAs: 'text', redirect: 'manual' });
      // openapi-fetch has read the body either way: as text on success, parsed if it could on failure.
      const raw: unknown = response.ok ? data : error;
      const body = raw === undefined ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
      return { status: response.status, contentType: response.headers.get('content-type'), body };
    },
    close: () => agent.close(),
  };
}
