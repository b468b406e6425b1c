/**
 * A round as the in-memory history keeps it: its per-worker breakdown and its report's
 * observations packed into flat arrays (references, doubles, signature bytes) instead of an
 * object and three strings per worker, and rebuilt when the round is read.
 *
 * Every round stays in the history long enough to be promoted to V8's old generation and to
 * die there, so what a round holds costs memory, and the collector's time on every request. With
 * 1,000 workers and fan-outs to 256 of them, the breakdowns of the 1,000 rounds kept were most of
 * the coordinator's live heap after the load (bench/README.md, change 12). Packed, a worker's
 * answer keeps no object and no string of its own: a signature is its 64 bytes, an `observed_at`
 * its milliseconds, a `response_time` one shared string, and numbers sit unboxed in an array of
 * doubles. The strings the worker's answer was parsed into die young.
 *
 * Packing is exact. A response or an observation with a member this module does not know, or a
 * response about another request, leaves its whole array as it came; an `observed_at` or a
 * signature that would not come back the same from milliseconds or bytes is kept as text.
 * Members are rebuilt in the order the coordinator writes them.
 */
import type { Report, Round, SignedObservation, WorkerResult } from '../../contract/models.ts';

/** worker_id, response_time, err; observed_at and signature when kept as text. */
const RESPONSE_REFS = 5;
/** value, flags, observed_at in ms (NaN without one, or when kept as text). */
const RESPONSE_NUMBERS = 3;
const RELIABLE = 1;
/** The response's signature is its 64 bytes in `signatures`. */
const SIGNATURE_IN_BYTES = 2;

/** worker_id, key_id; signature when kept as text. */
const OBSERVATION_REFS = 3;
/** time_ms, value, weight, the response whose bytes hold the signature (-1 when kept as text). */
const OBSERVATION_NUMBERS = 4;

const REQUIRED_RESPONSE_MEMBERS = 5;
const OBSERVATION_MEMBERS = 6;

const SIGNATURE_BYTES = 64;
const SIGNATURE_TEXT_LENGTH = 88;
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Stands in the shell for a packed array; never handed out. */
const PACKED: never[] = [];

interface PackedResponses {
  readonly requestId: string;
  readonly refs: readonly (string | undefined)[];
  /** Doubles only, so V8 stores them unboxed. */
  readonly numbers: readonly number[];
  /** SIGNATURE_BYTES per response from `offset`, used by those flagged SIGNATURE_IN_BYTES. */
  readonly signatures: SignatureBytes | undefined;
}

interface SignatureBytes {
  readonly slab: Buffer;
  readonly offset: number;
}

interface PackedObservations {
  readonly refs: readonly (string | undefined)[];
  readonly numbers: readonly number[];
}

export interface PackedRound {
  /** The round with the packed arrays emptied: its own members, and any array left as it came. */
  readonly shell: Round;
  readonly responses: PackedResponses | undefined;
  readonly observations: PackedObservations | undefined;
}

export function packRound(round: Round): PackedRound {
  const { result, problem } = round;
  if (result !== undefined) {
    const signatureSlots = new Map<string, number>();
    const responses = packResponses(result.worker_responses, result.request_id, signatureSlots);
    // Slots into bytes that are not kept would lead the observations astray.
    if (responses === undefined) signatureSlots.clear();
    const observations = result.report === undefined ? undefined : packObservations(result.report.observations, signatureSlots);
    if (responses === undefined && observations === undefined) return { shell: round, responses, observations };
    const shellResult = { ...result };
    if (responses !== undefined) shellResult.worker_responses = PACKED;
    if (observations !== undefined && result.report !== undefined) shellResult.report = { ...result.report, observations: PACKED };
    return { shell: { ...round, result: shellResult }, responses, observations };
  }
  if (problem?.worker_responses !== undefined) {
    const responses = packResponses(problem.worker_responses, round.request_id, new Map());
    if (responses !== undefined) {
      return { shell: { ...round, problem: { ...problem, worker_responses: PACKED } }, responses, observations: undefined };
    }
  }
  return { shell: round, responses: undefined, observations: undefined };
}

export function unpackRound({ shell, responses, observations }: PackedRound): Round {
  if (responses === undefined && observations === undefined) return shell;
  const { result, problem } = shell;
  if (result !== undefined) {
    const unpacked = { ...result };
    if (responses !== undefined) unpacked.worker_responses = unpackResponses(responses);
    if (observations !== undefined && result.report !== undefined) {
      unpacked.report = { ...result.report, observations: unpackObservations(observations, responses?.signatures) } satisfies Report;
    }
    return { ...shell, result: unpacked };
  }
  if (problem !== undefined && responses !== undefined) {
    return { ...shell, problem: { ...problem, worker_responses: unpackResponses(responses) } };
  }
  return shell;
}

/** `signatureSlots` learns which response's bytes hold which signature, for the observations. */
function packResponses(
  responses: readonly WorkerResult[],
  requestId: string,
  signatureSlots: Map<string, number>,
): PackedResponses | undefined {
  const refs = new Array<string | undefined>(responses.length * RESPONSE_REFS);
  const numbers = new Array<number>(responses.length * RESPONSE_NUMBERS);
  let signatures: SignatureBytes | undefined;
  for (let i = 0; i < responses.length; i++) {
    const response = responses[i] as WorkerResult;
    const { worker_id, request_id, response_time, value, err, reliable, observed_at, signature } = response;
    const members = REQUIRED_RESPONSE_MEMBERS + presence(err) + presence(observed_at) + presence(signature);
    if (request_id !== requestId || Object.keys(response).length !== members) return undefined;
    const r = i * RESPONSE_REFS;
    const n = i * RESPONSE_NUMBERS;
    let flags = reliable ? RELIABLE : 0;
    refs[r] = worker_id;
    refs[r + 1] = sharedDuration(response_time);
    refs[r + 2] = err;
    const observedAtMs = observed_at === undefined ? undefined : canonicalInstantMs(observed_at);
    refs[r + 3] = observedAtMs === undefined ? observed_at : undefined;
    if (signature !== undefined && signature.length === SIGNATURE_TEXT_LENGTH) signatures ??= claimSignatureBytes(responses.length);
    if (signature !== undefined && signatures !== undefined && writeSignature(signatures, i, signature)) {
      signatureSlots.set(signature, i);
      flags |= SIGNATURE_IN_BYTES;
    } else {
      refs[r + 4] = signature;
    }
    numbers[n] = value;
    numbers[n + 1] = flags;
    numbers[n + 2] = observedAtMs ?? Number.NaN;
  }
  return { requestId, refs, numbers, signatures };
}

function unpackResponses({ requestId: request_id, refs, numbers, signatures }: PackedResponses): WorkerResult[] {
  const responses: WorkerResult[] = [];
  for (let i = 0; i * RESPONSE_NUMBERS < numbers.length; i++) {
    const r = i * RESPONSE_REFS;
    const n = i * RESPONSE_NUMBERS;
    const worker_id = refs[r] as string;
    const response_time = refs[r + 1] as string;
    const err = refs[r + 2];
    const value = numbers[n] as number;
    const flags = numbers[n + 1] as number;
    const reliable = (flags & RELIABLE) !== 0;
    const observedAtMs = numbers[n + 2] as number;
    const observed_at = Number.isNaN(observedAtMs) ? refs[r + 3] : new Date(observedAtMs).toISOString();
    const signature = (flags & SIGNATURE_IN_BYTES) !== 0 ? signatureAt(signatures, i) : refs[r + 4];
    // One literal per shape, members in the order the coordinator writes them (dispatch.ts).
    const signed = {
      ...(observed_at === undefined ? {} : { observed_at }),
      ...(signature === undefined ? {} : { signature }),
    };
    responses.push(
      err === undefined
        ? { worker_id, request_id, response_time, value, reliable, ...signed }
        : { worker_id, request_id, response_time, value, err, reliable, ...signed },
    );
  }
  return responses;
}

function packObservations(
  observations: readonly SignedObservation[],
  signatureSlots: ReadonlyMap<string, number>,
): PackedObservations | undefined {
  const refs = new Array<string | undefined>(observations.length * OBSERVATION_REFS);
  const numbers = new Array<number>(observations.length * OBSERVATION_NUMBERS);
  for (let i = 0; i < observations.length; i++) {
    const observation = observations[i] as SignedObservation;
    if (Object.keys(observation).length !== OBSERVATION_MEMBERS) return undefined;
    const r = i * OBSERVATION_REFS;
    const n = i * OBSERVATION_NUMBERS;
    const slot = signatureSlots.get(observation.signature);
    refs[r] = observation.worker_id;
    refs[r + 1] = observation.key_id;
    refs[r + 2] = slot === undefined ? observation.signature : undefined;
    numbers[n] = observation.time_ms;
    numbers[n + 1] = observation.value;
    numbers[n + 2] = observation.weight;
    numbers[n + 3] = slot ?? -1;
  }
  return { refs, numbers };
}

function unpackObservations({ refs, numbers }: PackedObservations, signatures: SignatureBytes | undefined): SignedObservation[] {
  const observations: SignedObservation[] = [];
  for (let i = 0; i * OBSERVATION_NUMBERS < numbers.length; i++) {
    const r = i * OBSERVATION_REFS;
    const n = i * OBSERVATION_NUMBERS;
    const slot = numbers[n + 3] as number;
    observations.push({
      worker_id: refs[r] as string,
      key_id: refs[r + 1] as string,
      time_ms: numbers[n] as number,
      value: numbers[n + 1] as number,
      weight: numbers[n + 2] as number,
      signature: slot === -1 ? (refs[r + 2] as string) : (signatureAt(signatures, slot) as string),
    });
  }
  return observations;
}

function signatureAt(signatures: SignatureBytes | undefined, slot: number): string | undefined {
  if (signatures === undefined) return undefined;
  const start = signatures.offset + slot * SIGNATURE_BYTES;
  return signatures.slab.toString('base64', start, start + SIGNATURE_BYTES);
}

/** Writes a signature's bytes to its slot; false when they would not give back the same text. */
function writeSignature(signatures: SignatureBytes, slot: number, text: string): boolean {
  const start = signatures.offset + slot * SIGNATURE_BYTES;
  if (signatures.slab.write(text, start, SIGNATURE_BYTES, 'base64') !== SIGNATURE_BYTES) return false;
  // Node's decoder skips what is not base64 and takes the URL alphabet and spare bits too.
  return signatures.slab.toString('base64', start, start + SIGNATURE_BYTES) === text;
}

/**
 * Signature bytes of many rounds share a slab: an allocation of their own would cost each round
 * a separate backing store. A slab is collected once the rounds in it have left the history,
 * which drops the oldest first.
 */
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

function claimSignatureBytes(count: number): SignatureBytes {
  const bytes = count * SIGNATURE_BYTES;
  if (bytes > SLAB_BYTES / 4) return { slab: Buffer.allocUnsafeSlow(bytes), offset: 0 };
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const claimed = { slab, offset: slabUsed };
  slabUsed += bytes;
  return claimed;
}

/**
 * The milliseconds of an instant that `toISOString` writes back as the same text. Not
 * parseInstant and a round trip, which took 1.4 µs per answer here against 0.24: this runs for
 * every answer a round keeps, and only needs to recognise toISOString's own form.
 */
function canonicalInstantMs(text: string): number | undefined {
  if (!CANONICAL_INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse takes 30 February for 2 March and 24:00 for the next midnight.
  const date = new Date(ms);
  return date.getUTCDate() === twoDigits(text, 8) && date.getUTCHours() === twoDigits(text, 11) ? ms : undefined;
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/**
 * Response times repeat ("3ms", "12ms"): the history keeps one string for each, so that an
 * answer's own copy dies young. Bounded, and started afresh when full.
 */
const durations = new Map<string, string>();
const MAX_SHARED_DURATIONS = 4096;

function sharedDuration(text: string): string {
  const shared = durations.get(text);
  if (shared !== undefined) return shared;
  if (durations.size >= MAX_SHARED_DURATIONS) durations.clear();
  durations.set(text, text);
  return text;
}

function presence(member: unknown): number {
  return member === undefined ? 0 : 1;
}
