/**
 * The canonical encodings that are signed, exactly as the specs describe them (components.yaml's
 * ObservationSignature and Report, coordinator.yaml's workerSignature scheme): lines of UTF-8
 * joined by a line feed, numbers as IEEE 754 binary64 in hexadecimal, so that every verifier in
 * every language rebuilds the same bytes without a JSON canonicalisation to agree on.
 */
import type { Report } from '../contract/models.ts';

// One scratch double and a byte table: f64Hex runs a dozen times per request (each observation
// is verified and reported), and a Buffer per call was a visible share of the allocations.
const SCRATCH = new DataView(new ArrayBuffer(8));
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** A double as 16 lower-case hex digits, big-endian: exact, and the same in every language. */
export function f64Hex(value: number): string {
  SCRATCH.setFloat64(0, value);
  let hex = '';
  for (let index = 0; index < 8; index++) hex += HEX_BYTES[SCRATCH.getUint8(index)] ?? '';
  return hex;
}

export interface ObservationFields {
  readonly request_id: string;
  readonly worker_id: string;
  readonly query: string;
  /** The task's `as_of`, or the worker's `observed_at`, in ms since the Unix epoch. */
  readonly time_ms: number;
  readonly value: number;
}

export function observationMessage(o: ObservationFields): string {
  // One template rather than lines joined: it runs for every answer verified.
  return `oracle-observation/v1\nrequest_id:${o.request_id}\nworker_id:${o.worker_id}\nquery:${o.query}\ntime_ms:${integer(o.time_ms)}\nvalue:${f64Hex(o.value)}`;
}

/** What the coordinator signs: every member of the report but `signature`. */
export function reportMessage(report: Omit<Report, 'signature'>, asOfMs: number | undefined): string {
  return [
    'oracle-report/v1',
    `key_id:${report.key_id}`,
    `request_id:${report.request_id}`,
    `query:${report.query}`,
    `strategy:${report.strategy}`,
    `trim:${f64Hex(report.trim)}`,
    `mad_k:${f64Hex(report.mad_k)}`,
    `tolerance:${f64Hex(report.tolerance)}`,
    `as_of_ms:${asOfMs === undefined ? '' : integer(asOfMs)}`,
    `final_value:${f64Hex(report.final_value)}`,
    `observations:${report.observations.length}`,
    ...report.observations.map(
      (o) => `obs:${o.worker_id},${o.key_id},${integer(o.time_ms)},${f64Hex(o.value)},${f64Hex(o.weight)},${o.signature}`,
    ),
  ].join('\n');
}

export interface WorkerCallFields {
  readonly method: 'POST' | 'DELETE';
  /** The operation's path with the id filled in: /register, /workers/<id>/heartbeat, /workers/<id>. */
  readonly path: string;
  readonly workerId: string;
  /** The endpoint the body names, or undefined. */
  readonly endpoint: string | undefined;
  readonly timestampMs: number;
  readonly nonce: string;
}

export function workerCallMessage(call: WorkerCallFields): string {
  return ['oracle-worker-call/v1', call.method, call.path, call.workerId, call.endpoint ?? '', integer(call.timestampMs), call.nonce].join(
    '\n',
  );
}

/** Whole milliseconds in decimal; a non-integer would be a bug in the caller, not data. */
function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a whole number of milliseconds`);
  return String(value);
}
