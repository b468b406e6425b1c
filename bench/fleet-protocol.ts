/**
 * The messages between the benchmark and its worker-fleet process (bench/fleet.ts), over the
 * IPC channel of `child_process.fork`. Every command carries a sequence number that its reply
 * repeats, so the parent can await replies out of order.
 */

/** How every worker of a batch answers `POST /task`. */
export type WorkerBehaviour =
  /**
   * A valid WorkerResult after `delayMs` (0: at once). With `vary`, each answer adds a random
   * hundredth or less to the worker's value, so that no two rounds average the same (a feed with
   * `deviation_bps: 0` then publishes every poll).
   */
  | { kind: 'answer'; delayMs: number; vary?: boolean }
  /** Never answers; the connection stays open until the caller gives up. */
  | { kind: 'hang' };

export interface FleetWorker {
  readonly id: string;
  /** Base URL the coordinator calls `POST /task` under, e.g. http://127.0.0.1:40123 */
  readonly endpoint: string;
  /**
   * A signed worker's private key (PKCS #8 PEM), with which it signs every answer and the
   * parent signs its registration and deregistration; absent for an unsigned worker.
   */
  readonly privateKeyPem?: string;
}

export type FleetCommand =
  | { seq: number; type: 'start'; batch: string; count: number; behaviour: WorkerBehaviour; recordTimings: boolean; signed: boolean }
  | { seq: number; type: 'stop'; batch: string }
  /** Returns and forgets, per task id seen so far, the slowest worker's own handling time. */
  | { seq: number; type: 'take-timings'; batch: string };

export type FleetReply =
  | { seq: number; type: 'started'; workers: FleetWorker[] }
  | { seq: number; type: 'stopped' }
  | { seq: number; type: 'timings'; slowestMs: number[] }
  | { seq: number; type: 'failed'; message: string };
