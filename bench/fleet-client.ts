/** The benchmark's handle on the worker-fleet process (bench/fleet.ts). */
import { parseSigningKey, type SigningKey } from '../src/signing/ed25519.ts';
import type { FleetCommand, FleetReply, FleetWorker, WorkerBehaviour } from './fleet-protocol.ts';
import { forkModule } from './processes.ts';

/** A worker of the fleet as the benchmark registers it. */
export interface BenchWorker {
  readonly id: string;
  readonly endpoint: string;
  /** The worker's own key (the fleet signs its answers with it); undefined for an unsigned worker. */
  readonly key: SigningKey | undefined;
}

export interface StartOptions {
  /** Keep each task's slowest handling time, for takeTimings. */
  recordTimings?: boolean;
  /** Each worker gets a key and signs its answers; true unless asked otherwise. */
  signed?: boolean;
}

/** A command before `send` numbers it (Omit distributed over the union's members). */
type WithoutSeq<C> = C extends unknown ? Omit<C, 'seq'> : never;
type CommandBody = WithoutSeq<FleetCommand>;

export interface Fleet {
  /** Starts `count` workers named `<batch>-1` … `<batch>-<count>`, each on its own port. */
  start(batch: string, count: number, behaviour: WorkerBehaviour, options?: StartOptions): Promise<BenchWorker[]>;
  stop(batch: string): Promise<void>;
  /** The slowest worker's own handling time (ms) of each task answered since the last call. */
  takeTimings(batch: string): Promise<number[]>;
  close(): Promise<void>;
  /** The fleet process, for its CPU figure. */
  readonly pid: number;
}

function benchWorkerOf({ id, endpoint, privateKeyPem }: FleetWorker): BenchWorker {
  return { id, endpoint, key: privateKeyPem === undefined ? undefined : parseSigningKey(privateKeyPem) };
}

export async function startFleet(): Promise<Fleet> {
  const { child, output, stop } = forkModule('fleet', 'bench/fleet.ts');
  const pending = new Map<number, { resolve: (reply: FleetReply) => void; reject: (error: Error) => void }>();
  let nextSeq = 1;
  child.on('message', (message: FleetReply) => {
    const waiter = pending.get(message.seq);
    pending.delete(message.seq);
    if (message.type === 'failed') waiter?.reject(new Error(`fleet: ${message.message}`));
    else waiter?.resolve(message);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the fleet process exited (${String(code)}):\n${output()}`));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const { pid } = child;
  if (pid === undefined) throw new Error('the fleet process has no pid');

  function send(command: CommandBody): Promise<FleetReply> {
    const seq = nextSeq++;
    return new Promise((resolve, reject) => {
      pending.set(seq, { resolve, reject });
      child.send({ ...command, seq });
    });
  }

  function expect<T extends FleetReply['type']>(reply: FleetReply, type: T): Extract<FleetReply, { type: T }> {
    if (reply.type !== type) throw new Error(`fleet answered ${reply.type}, expected ${type}`);
    return reply as Extract<FleetReply, { type: T }>;
  }

  return {
    async start(batch, count, behaviour, options = {}) {
      const reply = await send({
        type: 'start',
        batch,
        count,
        behaviour,
        recordTimings: options.recordTimings ?? false,
        signed: options.signed ?? true,
      });
      return expect(reply, 'started').workers.map(benchWorkerOf);
    },
    async stop(batch) {
      expect(await send({ type: 'stop', batch }), 'stopped');
    },
    async takeTimings(batch) {
      return expect(await send({ type: 'take-timings', batch }), 'timings').slowestMs;
    },
    close: stop,
    pid,
  };
}
