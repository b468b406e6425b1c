/**
 * The format of a price recording (`npm run start:worker -- --sources … --record prices.ndjson`):
 * newline-delimited JSON, one upstream observation a line, appended as it arrives:
 *
 *   {"at":"2026-03-02T14:00:05.123Z","source":"coinbase","query":"BTC/USD","value":64012.5}
 *
 * `at` is when the answer arrived (RFC 3339, UTC), `source` the source's name in the worker's
 * file, `query` the pair it was asked for (for an inverted pair, the pair actually asked) and
 * `value` the price after the source's `times`. Nothing else: no URL, no header, no secret. The
 * lab reads it back as a ground truth (src/lab/recorded-truth.ts).
 */
import { parseInstant } from '../contract/instant.ts';

export interface RecordedObservation {
  readonly atMs: number;
  readonly source: string;
  readonly query: string;
  readonly value: number;
}

/** One line, newline included; keys in a fixed order, so that recordings diff well. */
export function formatObservation(observation: RecordedObservation): string {
  const { atMs, source, query, value } = observation;
  return `${JSON.stringify({ at: new Date(atMs).toISOString(), source, query, value })}\n`;
}

/** A recording that cannot be read; the message names the file and the line. */
export class RecordingError extends Error {
  override name = 'RecordingError';
}

const QUERY = /^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/;

/** Every observation of the text, in file order; blank lines are skipped. `path` names the file in errors. */
export function parseRecording(text: string, path: string): RecordedObservation[] {
  const observations: RecordedObservation[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const fail = (message: string) => new RecordingError(`${path}:${index + 1}: ${message}`);
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw fail('not a JSON line');
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail('not a JSON object');
    const { at, source, query, value } = entry as Record<string, unknown>;
    const atMs = typeof at === 'string' ? parseInstant(at) : undefined;
    if (atMs === undefined) throw fail('"at" must be an RFC 3339 date-time');
    if (typeof source !== 'string' || source === '') throw fail('"source" must be a non-empty string');
    if (typeof query !== 'string' || !QUERY.test(query)) throw fail('"query" must be BASE/QUOTE in upper case');
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw fail('"value" must be a positive number');
    observations.push({ atMs, source, query, value });
  });
  return observations;
}
