/** The human-readable verdict on a request, written into `reliability_note`. */
import type { WorkerResult } from '../shared/models.ts';

export const ALL_RESPONDED = 'All workers responded successfully';
const MAX_NAMED_FAILURES = 10;

/** A strict majority of the workers asked: 2 of 3, 3 of 4. */
export function majorityOf(count: number): number {
  return Math.floor(count / 2) + 1;
}

export function isPartial(answered: number, asked: number): boolean {
  return answered < majorityOf(asked);
}

export function describeFailures(results: readonly WorkerResult[]): string {
  const failed = results.filter((r) => r.err !== undefined);
  const named = failed.slice(0, MAX_NAMED_FAILURES).map((r) => `${r.worker_id} (${r.err ?? ''})`);
  const more = failed.length - named.length;
  return named.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

export function buildReliabilityNote(results: readonly WorkerResult[], answered: number): string {
  const asked = results.length;
  if (answered === asked) return ALL_RESPONDED;
  const excluded = `Excluded: ${describeFailures(results)}.`;
  if (isPartial(answered, asked)) {
    return `Warning: partial result, only ${answered} of ${asked} workers responded (a majority needs ${majorityOf(asked)}). ${excluded}`;
  }
  return `${answered} of ${asked} workers responded. ${excluded}`;
}
