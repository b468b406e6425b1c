/**
 * The bare baseline: what the coordinator's `POST /request` costs with nothing but the essentials.
 * A plain node:http server parses the JSON body, fans the task out to every registered worker
 * with `undici.request` over a keep-alive Agent (undici's Pool per worker, as many connections
 * as the coordinator allows a worker), averages the usable values and replies with an
 * OracleResult-shaped body. No framework, no validation, no logging, no metrics: the ratio
 * coordinator/baseline is the price of those.
 * Like for like with a coordinator that requires signatures, it does the cryptography that is
 * essential to the answer: it verifies each signed answer against the worker's registered key
 * and signs a report over the observations (the same node:crypto calls, src/signing/).
 * Used only by the benchmark, never by the product.
 *
 *   node --import tsx bench/baseline.ts --port 8090
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import type { OracleRequest, OracleRequestSubmission, OracleResult, WorkerRegistration, WorkerResult } from '../src/contract/models.ts';
import { DEFAULT_TASKS_PER_WORKER } from '../src/coordinator/task-client.ts';
import { generateSigningKey, parsePublicKey, verifySignature, type PublicKey } from '../src/signing/ed25519.ts';
import { observationMessage } from '../src/signing/messages.ts';
import { signReport } from '../src/signing/report.ts';

const DEFAULT_TIMEOUT_MS = 2000;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: DEFAULT_TASKS_PER_WORKER });
/** Worker id → endpoint and key; registration order, like the coordinator's registry. */
const workers = new Map<string, { endpoint: string; key: PublicKey | undefined }>();
const reportKey = generateSigningKey();

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** One worker's answer, or why there is none; never throws. */
async function askWorker(
  id: string,
  { endpoint, key }: { endpoint: string; key: PublicKey | undefined },
  task: OracleRequest,
  taskBody: string,
  signal: AbortSignal,
): Promise<WorkerResult> {
  const started = performance.now();
  const settle = (fields: { value: number } | { err: string }): WorkerResult => {
    const base = { worker_id: id, request_id: task.id, response_time: `${Math.round(performance.now() - started)}ms` };
    return 'err' in fields ? { ...base, value: 0, err: fields.err, reliable: false } : { ...base, value: fields.value, reliable: true };
  };
  try {
    const { statusCode, body } = await request(`${endpoint}/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: taskBody,
      dispatcher: agent,
      signal,
    });
    if (statusCode !== 200) {
      await body.dump();
      return settle({ err: `HTTP ${statusCode}` });
    }
    const answer = (await body.json()) as Partial<WorkerResult>;
    if (
      answer.worker_id !== id ||
      answer.request_id !== task.id ||
      typeof answer.value !== 'number' ||
      !Number.isFinite(answer.value) ||
      answer.err !== undefined
    ) {
      return settle({ err: 'unusable answer' });
    }
    if (key !== undefined) {
      const timeMs = Date.parse(answer.observed_at ?? '');
      const message = observationMessage({ request_id: task.id, worker_id: id, query: task.query, time_ms: timeMs, value: answer.value });
      if (!Number.isSafeInteger(timeMs) || !verifySignature(key, message, answer.signature ?? '')) return settle({ err: 'bad signature' });
      return { ...settle({ value: answer.value }), signature: answer.signature ?? '', observed_at: answer.observed_at ?? '' };
    }
    return settle({ value: answer.value });
  } catch (error) {
    return settle({ err: signal.aborted ? 'timed out' : `transport error: ${error instanceof Error ? error.message : String(error)}` });
  }
}

async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const submission = (await readJson(req)) as Partial<OracleRequestSubmission>;
  if (typeof submission.query !== 'string') {
    sendJson(res, 400, { status: 400, title: 'query is required' });
    return;
  }
  const task: OracleRequest = { id: randomUUID(), query: submission.query };
  const taskBody = JSON.stringify(task);
  // One controller and one timer per request, as the coordinator does on Node 20.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), submission.timeout_ms ?? DEFAULT_TIMEOUT_MS);
  let responses: WorkerResult[];
  try {
    responses = await Promise.all([...workers].map(([id, worker]) => askWorker(id, worker, task, taskBody, controller.signal)));
  } finally {
    clearTimeout(timer);
  }
  const values = responses.filter((r) => r.err === undefined).map((r) => r.value);
  if (values.length === 0) {
    sendJson(res, 503, { status: 503, title: 'no usable answer', request_id: task.id, worker_responses: responses });
    return;
  }
  const finalValue = values.reduce((sum, value) => sum + value, 0) / values.length;
  const signed = responses.filter((r) => r.signature !== undefined);
  const report =
    signed.length === 0
      ? undefined
      : signReport(reportKey, {
          request_id: task.id,
          query: task.query,
          strategy: 'average',
          trim: 0,
          mad_k: 0,
          tolerance: 0,
          final_value: finalValue,
          observations: signed.map((r) => ({
            worker_id: r.worker_id,
            key_id: workers.get(r.worker_id)?.key?.keyId ?? '',
            time_ms: Date.parse(r.observed_at ?? ''),
            value: r.value,
            weight: 1,
            signature: r.signature ?? '',
          })),
        });
  const result: OracleResult = {
    request_id: task.id,
    final_value: finalValue,
    worker_responses: responses,
    reliability_note:
      values.length === responses.length
        ? 'All workers responded successfully'
        : `${values.length} of ${responses.length} workers answered`,
    ...(report === undefined ? {} : { report }),
  };
  sendJson(res, 200, result);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (req.method === 'POST' && url === '/request') return handleRequest(req, res);
  if (req.method === 'POST' && url === '/register') {
    const registration = (await readJson(req)) as WorkerRegistration;
    workers.set(registration.id, {
      endpoint: registration.endpoint,
      key: registration.public_key === undefined ? undefined : parsePublicKey(registration.public_key),
    });
    sendJson(res, 200, { status: 'registered' });
    return;
  }
  if (req.method === 'DELETE' && url.startsWith('/workers/')) {
    const found = workers.delete(decodeURIComponent(url.slice('/workers/'.length)));
    res.writeHead(found ? 204 : 404).end();
    return;
  }
  if (req.method === 'GET' && url === '/healthz') {
    sendJson(res, 200, { status: 'ok' });
    return;
  }
  res.writeHead(404).end();
}

const { values: args } = parseArgs({
  options: { port: { type: 'string', default: '8090' }, host: { type: 'string', default: '127.0.0.1' } },
});
const server = createServer((req, res) => {
  route(req, res).catch(() => {
    if (!res.headersSent) sendJson(res, 400, { status: 400, title: 'bad request' });
    else res.destroy();
  });
});
server.listen(Number(args.port), args.host);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    // destroy, not close: close would wait for tasks a hanging worker never answers.
    void agent.destroy().finally(() => process.exit(0));
  });
}
