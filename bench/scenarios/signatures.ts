/**
 * What signatures cost: POST /request with 10 zero-delay workers over the 10-worker throughput
 * row's connections, on two coordinators in alternating slices. One is the run's coordinator
 * (`--require-signatures on`) with signed workers: each answer is signed in the fleet and
 * verified by the coordinator, which signs a report. The other is started here with
 * `--require-signatures off` and workers without keys: nothing is signed or verified.
 *
 * The cost per request is taken from CPU time (the coordinator's, and the fleet's, where the
 * workers sign), not from the throughput difference: on this machine the coordinator, the fleet
 * and the load generator share two cores, so throughput alone does not say who paid.
 */
import { deregisterWorkers, registerWorkers } from '../admin.ts';
import { SUBMISSION, THROUGHPUT_CONNECTIONS, type BenchContext } from '../context.ts';
import { microsPerRequest } from '../cpu.ts';
import { measureCryptoCost, type CryptoCost } from '../crypto-cost.ts';
import type { BenchWorker } from '../fleet-client.ts';
import { requestLoad, runInterleaved, unexpectedOutcomes, type LoadResult, type LoadSpec } from '../measure.ts';
import { startCoordinator, type ServiceProcess } from '../processes.ts';
import { probeFullAnswer } from './throughput.ts';

export const SIGNATURE_WORKERS = 10;

/** CPU per request in µs; undefined without /proc. */
export interface RequestCpu {
  coordinatorUs: number | undefined;
  fleetUs: number | undefined;
}

export interface SignatureFigures {
  workers: number;
  connections: number;
  /** Signed workers, `--require-signatures on`. */
  on: LoadResult;
  /** Unsigned workers, `--require-signatures off`. */
  off: LoadResult;
  /** on req/s ÷ off req/s */
  ratio: number;
  cpuOn: RequestCpu;
  cpuOff: RequestCpu;
  /** Ed25519 timed in the benchmark process: the floor under the difference. */
  crypto: CryptoCost;
}

function cpuPerRequest(result: LoadResult): RequestCpu {
  const { cpu, rps } = result;
  const fleet = cpu?.peersPct?.fleet;
  return {
    coordinatorUs: cpu === undefined ? undefined : microsPerRequest(cpu.servicePct, rps),
    fleetUs: fleet === undefined ? undefined : microsPerRequest(fleet, rps),
  };
}

export async function measureSignatures(context: BenchContext): Promise<SignatureFigures> {
  const { fleet, profile } = context;
  const unsignedCoordinator = await startCoordinator({ requireSignatures: 'off', name: 'coordinator without signatures' });
  const sides: { service: ServiceProcess; batch: string; signed: boolean; workers: BenchWorker[] }[] = [
    { service: context.coordinator, batch: 'signed10', signed: true, workers: [] },
    { service: unsignedCoordinator, batch: 'unsigned10', signed: false, workers: [] },
  ];
  try {
    for (const side of sides) {
      side.workers = await fleet.start(side.batch, SIGNATURE_WORKERS, { kind: 'answer', delayMs: 0 }, { signed: side.signed });
      await registerWorkers(side.service.url, side.workers);
      const problem = await probeFullAnswer(side.service, SIGNATURE_WORKERS, { signed: side.signed });
      if (problem) context.fail(problem);
    }
    // The fleet's CPU beside the coordinator's: the workers' share of the cost is signing.
    const loadOn = (service: ServiceProcess): LoadSpec => ({
      ...requestLoad(service, profile, SUBMISSION, THROUGHPUT_CONNECTIONS),
      peers: { fleet: fleet.pid },
    });
    const [on, off] = await runInterleaved([loadOn(context.coordinator), loadOn(unsignedCoordinator)], profile.rounds);
    for (const issue of unexpectedOutcomes('coordinator, signatures on', on, 200)) context.fail(issue);
    for (const issue of unexpectedOutcomes('coordinator, signatures off', off, 200)) context.fail(issue);
    return {
      workers: SIGNATURE_WORKERS,
      connections: THROUGHPUT_CONNECTIONS,
      on,
      off,
      ratio: on.rps / off.rps,
      cpuOn: cpuPerRequest(on),
      cpuOff: cpuPerRequest(off),
      crypto: measureCryptoCost(),
    };
  } finally {
    for (const side of sides) {
      if (side.workers.length > 0) await deregisterWorkers(side.service.url, side.workers);
      await fleet.stop(side.batch);
    }
    await unsignedCoordinator.stop();
  }
}
