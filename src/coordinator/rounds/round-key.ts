/**
 * Which rounds are interchangeable: the same query under the same aggregation parameters, with
 * the coordinator's defaults filled in, so that `{"query":"BTC/USD"}` and the same with
 * `"strategy":"average"` share a round. The deadline is not part of it: it bounds how long a
 * round may take, not what it means.
 */
import type { Round } from './round-store.ts';

export function roundKey(query: string, parameters: Round['parameters']): string {
  const { strategy, trim, mad_k, ask_count, min_responses, as_of } = parameters;
  return JSON.stringify([query, strategy, trim, mad_k, ask_count ?? null, min_responses ?? null, as_of ?? null]);
}
