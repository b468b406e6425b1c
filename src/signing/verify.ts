/**
 * Verification anywhere: given a result and the keys (GET /keys, or keys pinned out of band),
 * checks every worker's signature and the coordinator's, aggregates the signed values again
 * with the stated strategy and parameters, and checks that the result says what the report
 * says. A coordinator that lies about the aggregate, or about any worker's answer, is caught;
 * each failure is named.
 */
import { aggregateObservations } from '../coordinator/aggregation.ts';
import type { FeedValue, KeySet, OracleResult, Report } from '../contract/models.ts';
import { InvalidKeyError, publicKeyFromJwkX, verifySignature, type PublicKey } from './ed25519.ts';
import { f64Hex, observationMessage, reportMessage } from './messages.ts';
import { asOfMsOf, compareIds } from './report.ts';

export interface Verification {
  readonly valid: boolean;
  /** What failed, one sentence each; empty when valid. */
  readonly failures: readonly string[];
}

/** Most parsed keys kept between calls; with more, the cache is emptied and filled again. */
const PARSED_KEYS_KEPT = 4096;
/**
 * Keys parsed from valid JWK `x` values: verifying many results against the same key set (the lab
 * does it for every request) would otherwise parse every key of the set again each time. Keyed
 * by the key's own bytes, not by the set, so a set changed between calls is read afresh; a value
 * that is not a key is not kept.
 */
const parsedKeys = new Map<string, PublicKey>();

function parseJwkX(x: string): PublicKey | InvalidKeyError {
  const kept = parsedKeys.get(x);
  if (kept !== undefined) return kept;
  let parsed: PublicKey;
  try {
    parsed = publicKeyFromJwkX(x);
  } catch (error) {
    if (error instanceof InvalidKeyError) return error;
    throw error;
  }
  if (parsedKeys.size >= PARSED_KEYS_KEPT) parsedKeys.clear();
  parsedKeys.set(x, parsed);
  return parsed;
}

/** The keys of a key set by role: coordinators by key id, workers by id and key id. */
class KeyRing {
  readonly #coordinators = new Map<string, PublicKey>();
  readonly #workers = new Map<string, PublicKey>();

  constructor(set: KeySet) {
    for (const jwk of set.keys) {
      const key = parseJwkX(jwk.x);
      if (key instanceof InvalidKeyError) continue;
      // A kid that is not the key's thumbprint names nothing.
      if (key.keyId !== jwk.kid) continue;
      if (jwk.oracle_role === 'coordinator') this.#coordinators.set(key.keyId, key);
      else if (jwk.worker_id !== undefined) this.#workers.set(`${jwk.worker_id}\n${key.keyId}`, key);
    }
  }

  coordinator(keyId: string): PublicKey | undefined {
    return this.#coordinators.get(keyId);
  }

  worker(workerId: string, keyId: string): PublicKey | undefined {
    return this.#workers.get(`${workerId}\n${keyId}`);
  }
}

/** The report's own consistency: the signatures, and the final value the observations give. */
export function verifyReport(report: Report, keys: KeySet): Verification {
  return verdict(checkReport(report, new KeyRing(keys)).failures);
}

export function verifyOracleResult(result: OracleResult, keys: KeySet): Verification {
  const { report } = result;
  if (report === undefined)
    return verdict(['the result carries no report (the coordinator signs one only when every usable answer was signed)']);
  const checked = checkReport(report, new KeyRing(keys));
  return verdict([...checked.failures, ...resultFailures(result, report, checked.valuesUsed)]);
}

export function verifyFeedValue(value: FeedValue, keys: KeySet): Verification {
  const { report } = value;
  if (report === undefined) return verdict(['the publication carries no report']);
  const { failures } = checkReport(report, new KeyRing(keys));
  if (!sameNumber(value.value, report.final_value))
    failures.push(`value ${value.value} is not the report's final_value ${report.final_value}`);
  if (value.query !== report.query) failures.push(`query ${value.query} is not the report's query ${report.query}`);
  if (value.round_id !== report.request_id) failures.push(`round_id ${value.round_id} is not the report's request_id ${report.request_id}`);
  return verdict(failures);
}

interface ReportCheck {
  readonly failures: string[];
  /** How many observations the aggregation used (after MAD rejection), when it gives a value. */
  readonly valuesUsed: number | undefined;
}

function checkReport(report: Report, keys: KeyRing): ReportCheck {
  const failures: string[] = [];
  // A later version may be signed differently; the generated type knows only this one.
  if ((report.version as number) !== 1)
    return { failures: [`report.version ${String(report.version)} is not one this verifier knows`], valuesUsed: undefined };
  const asOfMs = asOfMsOf(report);
  if (report.as_of !== undefined && asOfMs === undefined) failures.push(`report.as_of ${report.as_of} is not a date-time`);
  const coordinatorKey = keys.coordinator(report.key_id);
  if (coordinatorKey === undefined) {
    failures.push(`report.key_id ${report.key_id} is not a coordinator key of the key set`);
  } else if (!verifySignature(coordinatorKey, reportMessage(report, asOfMs), report.signature)) {
    failures.push(`report.signature: the coordinator's signature does not verify (the report was altered, or signed by another key)`);
  }
  report.observations.forEach((o, i) => {
    const where = `report.observations[${i}] (${o.worker_id})`;
    const previous = report.observations[i - 1];
    if (previous !== undefined && compareIds(previous.worker_id, o.worker_id) >= 0) {
      failures.push(`${where}: the observations are not sorted by worker_id, one per worker`);
    }
    if (asOfMs !== undefined && o.time_ms !== asOfMs) failures.push(`${where}: signed for time ${o.time_ms}, not the round's as_of`);
    const workerKey = keys.worker(o.worker_id, o.key_id);
    if (workerKey === undefined) {
      failures.push(`${where}: key ${o.key_id} is not ${o.worker_id}'s key in the key set`);
      return;
    }
    const message = observationMessage({
      request_id: report.request_id,
      worker_id: o.worker_id,
      query: report.query,
      time_ms: o.time_ms,
      value: o.value,
    });
    if (!verifySignature(workerKey, message, o.signature)) {
      failures.push(`${where}: the worker's signature does not verify over value ${o.value} for this request`);
    }
  });
  const aggregation = aggregateObservations(report.observations, {
    strategy: report.strategy,
    madK: report.mad_k,
    trim: report.trim,
    tolerance: report.tolerance,
  });
  if (!aggregation.ok) {
    failures.push(`the signed observations give no final value with strategy ${report.strategy}: ${aggregation.reason}`);
  } else if (!sameNumber(aggregation.value, report.final_value)) {
    failures.push(
      `report.final_value ${report.final_value} is not what ${report.strategy} gives over the signed observations (${aggregation.value})`,
    );
  }
  return { failures, valuesUsed: aggregation.ok ? aggregation.valuesUsed : undefined };
}

/** The result must say what its report says. */
function resultFailures(result: OracleResult, report: Report, valuesUsed: number | undefined): string[] {
  const failures: string[] = [];
  if (result.request_id !== report.request_id) failures.push(`request_id ${result.request_id} is not the report's ${report.request_id}`);
  if (!sameNumber(result.final_value, report.final_value)) {
    failures.push(`final_value ${result.final_value} is not the report's final_value ${report.final_value}`);
  }
  if (result.query !== undefined && result.query !== report.query)
    failures.push(`query ${result.query} is not the report's ${report.query}`);
  if (result.strategy !== undefined && result.strategy !== report.strategy) {
    failures.push(`strategy ${result.strategy} is not the report's strategy ${report.strategy}`);
  }
  if (result.as_of !== report.as_of) failures.push(`as_of ${result.as_of ?? '(none)'} is not the report's ${report.as_of ?? '(none)'}`);
  const observed = new Map(report.observations.map((o) => [o.worker_id, o]));
  const answered = new Set<string>();
  result.worker_responses.forEach((response, i) => {
    const where = `worker_responses[${i}] (${response.worker_id})`;
    if (answered.has(response.worker_id)) failures.push(`${where}: the worker appears twice`);
    if (response.err !== undefined) return;
    answered.add(response.worker_id);
    const observation = observed.get(response.worker_id);
    if (observation === undefined) {
      failures.push(`${where}: a usable answer that the report does not carry`);
      return;
    }
    if (!sameNumber(response.value, observation.value))
      failures.push(`${where}: value ${response.value} is not the signed value ${observation.value}`);
    if (response.signature !== undefined && response.signature !== observation.signature) {
      failures.push(`${where}: signature is not the one in the report`);
    }
  });
  for (const o of report.observations) {
    if (!answered.has(o.worker_id)) failures.push(`the report's observation of ${o.worker_id} is not a usable answer in worker_responses`);
  }
  if (result.values_used !== undefined && valuesUsed !== undefined && valuesUsed !== result.values_used) {
    failures.push(`values_used ${result.values_used} is not the ${valuesUsed} values the report's aggregation uses`);
  }
  return failures;
}

/** Bit for bit: 0 and -0 differ, as they do in the signed encoding. */
function sameNumber(a: number, b: number): boolean {
  return f64Hex(a) === f64Hex(b);
}

function verdict(failures: readonly string[]): Verification {
  return { valid: failures.length === 0, failures };
}
