/** The human-readable verdict on a request, written into `reliability_note`. */
import type { WorkerResult } from '../contract/models.ts';
import { formatPercent } from './aggregator.ts';

export const ALL_RESPONDED = 'All workers responded successfully';
const MAX_NAMED = 10;

export interface NoteFacts {
  /** Every worker asked, failed ones with `err`. */
  results: readonly WorkerResult[];
  answered: number;
  quorum: number;
  /** Fewer usable answers than the quorum. */
  partial: boolean;
  /** Ids of registered workers not asked because they are ejected. */
  ejected: readonly string[];
  /** When a committee was sampled: how many registered workers it was drawn from. */
  sampledOutOf?: number | undefined;
  /** Answers that disagree with the consensus, with their relative deviation. */
  outliers: readonly { id: string; deviation: number }[];
  /** Answers MAD rejection dropped before aggregating, and its k. */
  rejected?: { k: number; ids: readonly string[] };
  /** Set when no strict majority of the answers agreed within this relative tolerance. */
  disagreement?: { tolerance: number } | undefined;
}

export function describeFailures(results: readonly WorkerResult[]): string {
  return nameSome(results.filter((r) => r.err !== undefined).map((r) => `${r.worker_id} (${r.err ?? ''})`));
}

export function buildReliabilityNote(facts: NoteFacts): string {
  const { results, answered, quorum } = facts;
  const asked = results.length;
  const parts: string[] = [];
  if (facts.partial) {
    parts.push(`Warning: partial result, only ${answered} of ${asked} workers responded (quorum ${quorum}).`);
  } else {
    parts.push(answered === asked ? ALL_RESPONDED : `${answered} of ${asked} workers responded.`);
  }
  if (answered < asked) parts.push(`Excluded: ${describeFailures(results)}.`);
  if (facts.rejected && facts.rejected.ids.length > 0) {
    parts.push(`Rejected as outliers (MAD, k = ${facts.rejected.k}): ${nameSome(facts.rejected.ids)}.`);
  }
  if (facts.disagreement !== undefined && answered > 1) {
    parts.push(
      `The answers disagree: no strict majority of them agrees within ${formatPercent(facts.disagreement.tolerance)}, so none is judged an outlier.`,
    );
  }
  if (facts.outliers.length > 0) {
    parts.push(`Outliers against the consensus: ${nameSome(facts.outliers.map((o) => `${o.id} (${formatSignedPercent(o.deviation)})`))}.`);
  }
  if (facts.sampledOutOf !== undefined)
    parts.push(`Committee of ${asked} sampled by reliability from ${facts.sampledOutOf} registered workers.`);
  if (facts.ejected.length > 0) parts.push(`Not asked (ejected after repeated failures): ${nameSome(facts.ejected)}.`);
  // The design document's wording stands alone, without a full stop, when everything went well.
  return parts.length === 1 ? (parts[0] ?? '') : parts.map((part) => (part === ALL_RESPONDED ? `${part}.` : part)).join(' ');
}

function nameSome(items: readonly string[]): string {
  const named = items.slice(0, MAX_NAMED);
  const more = items.length - named.length;
  return named.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

function formatSignedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(2)}%`;
}
