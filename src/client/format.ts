/** Renders results and rounds for people: values, notes, and per-worker tables. */
import type { Feed, FeedValue, OracleResult, Problem, Round, WorkerResult } from '../contract/models.ts';

export function formatResult(result: OracleResult): string {
  const lines = [
    `${result.query ?? 'result'}: ${formatNumber(result.final_value)}${result.strategy ? ` (${result.strategy})` : ''}`,
    `request ${result.request_id}${formatProvenance(result)}`,
    result.reliability_note,
    '',
    ...workerTable(result.worker_responses, result.final_value),
  ];
  return `${lines.join('\n')}\n`;
}

/** One round of the history: what was asked, when, how it ended, and what each worker said. */
export function formatRound(round: Round): string {
  const { parameters } = round;
  const asked = [
    `strategy ${parameters.strategy}`,
    `deadline ${parameters.timeout_ms} ms`,
    ...(parameters.mad_k > 0 ? [`mad_k ${parameters.mad_k}`] : []),
    ...(parameters.strategy === 'trimmed_mean' ? [`trim ${parameters.trim}`] : []),
    ...(parameters.ask_count === undefined ? [] : [`ask_count ${parameters.ask_count}`]),
    ...(parameters.min_responses === undefined ? [] : [`min_responses ${parameters.min_responses}`]),
    ...(parameters.as_of === undefined ? [] : [`as of ${parameters.as_of}`]),
  ];
  const head = [
    `round ${round.request_id}: ${round.query}, ${round.outcome}`,
    asked.join(', '),
    `started ${round.started_at}, finished ${round.finished_at} (${Date.parse(round.finished_at) - Date.parse(round.started_at)} ms)`,
  ];
  if (round.result !== undefined) {
    const { result } = round;
    return `${[...head, `value ${formatNumber(result.final_value)}`, result.reliability_note, '', ...workerTable(result.worker_responses, result.final_value)].join('\n')}\n`;
  }
  const problem: Problem | undefined = round.problem;
  return `${[...head, `${problem?.title ?? 'no answer'}${problem?.detail === undefined ? '' : `: ${problem.detail}`}`, '', ...workerTable(problem?.worker_responses ?? [], undefined)].join('\n')}\n`;
}

/** Recent rounds, one line each, newest first. */
export function formatHistory(rounds: readonly Round[]): string {
  if (rounds.length === 0) return 'No rounds in the history.\n';
  const rows = rounds.map((round) => {
    const responses = round.result?.worker_responses ?? round.problem?.worker_responses ?? [];
    const answered = responses.filter((r) => r.err === undefined).length;
    return [
      round.finished_at,
      round.request_id,
      round.query,
      round.parameters.strategy,
      round.outcome,
      round.result === undefined ? '—' : formatNumber(round.result.final_value),
      `${answered}/${responses.length}`,
    ];
  });
  const table = alignColumns([['finished', 'round', 'query', 'strategy', 'outcome', 'value', 'answered'], ...rows], new Set([5, 6]));
  return `${table.join('\n')}\n`;
}

/** The feeds, one line each: what they watch, when they publish, and their latest value. */
export function formatFeeds(feeds: readonly Feed[]): string {
  if (feeds.length === 0) return 'No feeds are defined.\n';
  const rows = feeds.map(({ feed_id, definition, latest, polls }) => [
    feed_id,
    definition.query,
    `${definition.deviation_bps} bps`,
    formatMs(definition.heartbeat_ms),
    formatMs(definition.poll_interval_ms),
    latest === undefined ? '—' : formatNumber(latest.value),
    latest === undefined ? '—' : `${formatMs(latest.age_ms)}${latest.stale ? ' (stale)' : ''}`,
    `${polls.published}/${polls.total}`,
  ]);
  const header = ['feed', 'query', 'deviation', 'heartbeat', 'poll', 'latest', 'age', 'published'];
  return `${alignColumns([header, ...rows], new Set([5])).join('\n')}\n`;
}

/** One publication as it arrives: `17:40:00.210 btc-usd 42,135.50 deviation 61.2 bps (#7, 3 workers, round <id>)`. */
export function formatUpdate(value: FeedValue): string {
  const moved = value.deviation_bps === undefined ? '' : ` ${formatBps(value.deviation_bps)}`;
  return `${value.published_at.slice(11, 23)} ${value.feed_id} ${formatNumber(value.value)} ${value.reason}${moved} (#${value.sequence}, ${value.workers_answered} workers, round ${value.round_id})\n`;
}

/** deviationInBps gives Number.MAX_VALUE for a move away from 0, which has no size in bps. */
function formatBps(bps: number): string {
  return bps === Number.MAX_VALUE ? 'from 0' : `${bps.toFixed(1)} bps`;
}

function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1_000) return `${Number((ms / 1_000).toFixed(1))} s`;
  return `${ms} ms`;
}

function formatProvenance(result: OracleResult): string {
  switch (result.served_from) {
    case 'history':
      return `, served from history (${result.age_ms ?? 0} ms old)`;
    case 'coalesced':
      return ', joined an identical round in flight';
    case 'fan_out':
      return ', fresh from the workers';
    case undefined:
      return '';
  }
}

function workerTable(responses: readonly WorkerResult[], finalValue: number | undefined): string[] {
  const header = ['worker', 'value', 'deviation', 'response time', 'status'];
  const rows = responses.map((r) => [
    r.worker_id,
    r.err === undefined ? formatNumber(r.value) : '—',
    r.err === undefined && finalValue !== undefined ? formatDeviation(r.value, finalValue) : '—',
    r.response_time,
    r.err === undefined ? (r.reliable ? 'ok' : 'unreliable') : `error: ${r.err}`,
  ]);
  return alignColumns([header, ...rows], new Set([1, 2]));
}

function formatNumber(value: number): string {
  const decimals = Math.abs(value) >= 100 ? 2 : 6;
  return value.toLocaleString('en-US', { minimumFractionDigits: Math.min(decimals, 2), maximumFractionDigits: decimals });
}

/** Relative deviation from the final value, in percent with a sign. */
function formatDeviation(value: number, finalValue: number): string {
  if (finalValue === 0) return value === 0 ? '0%' : '—';
  const percent = ((value - finalValue) / Math.abs(finalValue)) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(3)}%`;
}

/** Text columns padded to a common width; the columns in `numeric` are right-aligned. */
function alignColumns(rows: string[][], numeric: ReadonlySet<number>): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}
