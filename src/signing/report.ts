/**
 * The coordinator's report: every usable signed observation of a round, the aggregation
 * parameters and the final value, signed with the coordinator's key (components.yaml's Report).
 */
import { parseInstant } from '../contract/instant.ts';
import type { Report } from '../contract/models.ts';
import type { SigningKey } from './ed25519.ts';
import { reportMessage } from './messages.ts';

/** What the coordinator fills in: the Report but for what signing adds. */
export type ReportFields = Omit<Report, 'version' | 'key_id' | 'signature'>;

export function signReport(key: SigningKey, fields: ReportFields): Report {
  const { as_of, observations, ...rest } = fields;
  const unsigned: Omit<Report, 'signature'> = {
    version: 1,
    key_id: key.publicKey.keyId,
    ...rest,
    ...(as_of === undefined ? {} : { as_of }),
    observations: [...observations].sort((a, b) => compareIds(a.worker_id, b.worker_id)),
  };
  return { ...unsigned, signature: key.sign(reportMessage(unsigned, asOfMsOf(unsigned))) };
}

/** The round's `as_of` in ms, as the report's message spells it; undefined without one. */
export function asOfMsOf(report: Pick<Report, 'as_of'>): number | undefined {
  return report.as_of === undefined ? undefined : parseInstant(report.as_of);
}

/** Code-unit order, the same in every language (not the locale's). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
