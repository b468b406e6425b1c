/** Renders an OracleResult for people: the final value, the note, and a per-worker table. */
import type { OracleResult } from '../contract/models.ts';

export function formatResult(result: OracleResult): string {
  const header = ['worker', 'value', 'deviation', 'response time', 'status'];
  const rows = result.worker_responses.map((r) => [
    r.worker_id,
    r.err === undefined ? formatNumber(r.value) : '—',
    r.err === undefined ? formatDeviation(r.value, result.final_value) : '—',
    r.response_time,
    r.err === undefined ? (r.reliable ? 'ok' : 'unreliable') : `error: ${r.err}`,
  ]);
  const lines = [
    `${result.query ?? 'result'}: ${formatNumber(result.final_value)}${result.strategy ? ` (${result.strategy})` : ''}`,
    `request ${result.request_id}`,
    result.reliability_note,
    '',
    ...table([header, ...rows]),
  ];
  return `${lines.join('\n')}\n`;
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

/** Left-aligned text columns, numbers right-aligned. */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column === 1 || column === 2 ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}
