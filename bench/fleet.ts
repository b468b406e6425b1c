/**
 * The worker fleet: many lightweight workers in ONE process, each a real node:http server on its
 * own loopback port answering `POST /task` with a valid WorkerResult. They stand in for the
 * product's workers (src/worker/), which run Express and the OpenAPI validator and would cost the
 * 2-core machine more CPU than the coordinator under test. In a signed batch (the default) each
 * worker has an Ed25519 key of its own and signs every answer, as the product's workers do.
 * Started by bench/fleet-client.ts with `fork`; commanded over IPC (bench/fleet-protocol.ts).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { OracleRequest, WorkerResult } from '../src/contract/models.ts';
import { generateSigningKey, type SigningKey } from '../src/signing/ed25519.ts';
import { signAnswer } from '../src/worker/signed-answer.ts';
import type { FleetCommand, FleetReply, FleetWorker, WorkerBehaviour } from './fleet-protocol.ts';

interface Batch {
  readonly servers: Server[];
  /** Task id → the slowest handling time (ms) among this batch's workers; only when asked for. */
  readonly slowest: Map<string, number> | undefined;
}

const batches = new Map<string, Batch>();
/**
 * Each signed worker id's key, kept for the fleet's life: a coordinator binds an id to the first
 * key it registers with, so a batch started again under the same name must sign with the same keys.
 */
const keys = new Map<string, SigningKey>();

function keyOf(workerId: string): SigningKey {
  let key = keys.get(workerId);
  if (key === undefined) {
    key = generateSigningKey();
    keys.set(workerId, key);
  }
  return key;
}

function reply(message: FleetReply): void {
  process.send?.(message);
}

interface WorkerSetup {
  readonly id: string;
  readonly value: number;
  readonly behaviour: WorkerBehaviour;
  /** Signs every answer, as the product's workers do (src/worker/signed-answer.ts); none: unsigned. */
  readonly key: SigningKey | undefined;
  readonly slowest: Map<string, number> | undefined;
}

/** One worker's request handler. Anything but `POST /task` with a JSON task is a 4xx. */
function createTaskHandler({ id: workerId, value, behaviour, key, slowest }: WorkerSetup) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    if (req.method !== 'POST' || req.url !== '/task') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let task: OracleRequest;
      try {
        task = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OracleRequest;
      } catch {
        res.writeHead(400).end();
        return;
      }
      // A hanging worker keeps the request open; the coordinator's deadline must end it.
      if (behaviour.kind === 'hang') return;
      const answer = () => {
        const result: WorkerResult = {
          worker_id: workerId,
          request_id: task.id,
          value: behaviour.vary === true ? value + Math.random() * 0.01 : value,
          response_time: `${Math.round(performance.now() - started)}ms`,
          reliable: true,
        };
        const body = JSON.stringify(key === undefined ? result : signAnswer(result, task, key, Date.now()));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        if (slowest) {
          const own = performance.now() - started;
          slowest.set(task.id, Math.max(own, slowest.get(task.id) ?? 0));
        }
      };
      if (behaviour.delayMs > 0) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
  };
}

async function startBatch(command: Extract<FleetCommand, { type: 'start' }>): Promise<FleetWorker[]> {
  if (batches.has(command.batch)) throw new Error(`batch ${command.batch} already exists`);
  const slowest = command.recordTimings ? new Map<string, number>() : undefined;
  const batch: Batch = { servers: [], slowest };
  batches.set(command.batch, batch);
  return Promise.all(
    Array.from({ length: command.count }, async (_, index) => {
      const id = `${command.batch}-${index + 1}`;
      // Values differ slightly (well within the coordinator's 0.5 % agreement tolerance) so the
      // aggregate is a real average, and no worker is ever judged an outlier.
      const key = command.signed ? keyOf(id) : undefined;
      const server = createServer(createTaskHandler({ id, value: 42_000 + index * 0.01, behaviour: command.behaviour, key, slowest }));
      batch.servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      return { id, endpoint: `http://127.0.0.1:${port}`, ...(key === undefined ? {} : { privateKeyPem: key.exportPem() }) };
    }),
  );
}

async function stopBatch(name: string): Promise<void> {
  const batch = batches.get(name);
  if (!batch) return;
  batches.delete(name);
  await Promise.all(
    batch.servers.map(async (server) => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    }),
  );
}

function takeTimings(name: string): number[] {
  const slowest = batches.get(name)?.slowest;
  if (!slowest) return [];
  const values = [...slowest.values()];
  slowest.clear();
  return values;
}

async function handle(command: FleetCommand): Promise<FleetReply> {
  switch (command.type) {
    case 'start':
      return { seq: command.seq, type: 'started', workers: await startBatch(command) };
    case 'stop':
      await stopBatch(command.batch);
      return { seq: command.seq, type: 'stopped' };
    case 'take-timings':
      return { seq: command.seq, type: 'timings', slowestMs: takeTimings(command.batch) };
  }
}

process.on('message', (command: FleetCommand) => {
  handle(command).then(reply, (error: unknown) =>
    reply({ seq: command.seq, type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
// The benchmark going away (even killed) closes the IPC channel: never outlive it.
process.on('disconnect', () => process.exit(0));
