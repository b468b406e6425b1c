/**
 * The client's checks of what a coordinator says: a result, a round or a feed value verified
 * against a key set, which comes from a file the user trusts or from the coordinator itself.
 */
import { readFile } from 'node:fs/promises';
import { text as readAll } from 'node:stream/consumers';
import type { FeedValue, KeySet, OracleResult, Round } from '../contract/models.ts';
import { componentValidator } from '../contract/schemas.ts';
import { verifyFeedValue, verifyOracleResult, type Verification } from '../signing/verify.ts';

/** Something signed the client can verify, told apart by its shape. */
export type Verifiable = { kind: 'result'; result: OracleResult } | { kind: 'feed value'; value: FeedValue };

const isOracleResult = componentValidator<OracleResult>('OracleResult');
const isRound = componentValidator<Round>('Round');
const isFeedValue = componentValidator<FeedValue>('FeedValue');
const isKeySet = componentValidator<KeySet>('KeySet');

export class VerificationInputError extends Error {
  override name = 'VerificationInputError';
}

/** An OracleResult, a Round with a result, or a FeedValue, as JSON; VerificationInputError for anything else. */
export function parseVerifiable(text: string, source: string): Verifiable {
  const data = parseJson(text, source);
  if (isOracleResult(data)) return { kind: 'result', result: data };
  if (isRound(data)) {
    if (data.result === undefined)
      throw new VerificationInputError(`${source}: the round ended without a result, so there is nothing signed`);
    return { kind: 'result', result: data.result };
  }
  if (isFeedValue(data)) return { kind: 'feed value', value: data };
  throw new VerificationInputError(`${source}: not an OracleResult, a Round or a FeedValue as the coordinator serves them`);
}

export function verify(subject: Verifiable, keys: KeySet): Verification {
  return subject.kind === 'result' ? verifyOracleResult(subject.result, keys) : verifyFeedValue(subject.value, keys);
}

/** A file's text, or standard input's for `-`; VerificationInputError when it cannot be read. */
export async function readInput(path: string): Promise<string> {
  if (path === '-') return readAll(process.stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new VerificationInputError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A key set from a file (as GET /keys serves it). */
export async function readKeySet(path: string): Promise<KeySet> {
  const data = parseJson(await readInput(path), path);
  if (!isKeySet(data)) throw new VerificationInputError(`${path}: not a key set ({"keys": [...]}, as GET /keys serves it)`);
  return data;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VerificationInputError(`${source}: not JSON (${(error as Error).message})`);
  }
}

/** What a person reads: one line when it holds, every failure when not. */
export function formatVerification(subject: Verifiable, verification: Verification): string {
  const report = subject.kind === 'result' ? subject.result.report : subject.value.report;
  if (verification.valid && report !== undefined) {
    return (
      `verified: ${report.observations.length} worker signature${report.observations.length === 1 ? '' : 's'}, the coordinator's signature (key ${report.key_id}), ` +
      `and the final value recomputed with ${report.strategy}\n`
    );
  }
  return `verification FAILED:\n${verification.failures.map((failure) => `  - ${failure}\n`).join('')}`;
}
