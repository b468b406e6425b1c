/** How the lab writes its figures: plain-text tables for the terminal, basis points, simulated time. */

/** A table with a rule under its header; the first column left-aligned, the others right-aligned. */
export function formatTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [columns, ...rows];
  const widths = columns.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [line(columns), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Basis points with two decimals; a dash for none. */
export function formatBps(value: number | undefined): string {
  return value === undefined ? '—' : value.toFixed(2);
}

/** Simulated time: "250 ms", "1.5 s", "5 min 40 s", "1 h 30 min". */
export function formatSpan(ms: number): string {
  if (ms < 1000) return `${Number(ms.toFixed(2))} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))} s`;
  const seconds = Math.round(ms / 1000);
  const parts = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor(seconds / 60) % 60, 'min'],
    [seconds % 60, 's'],
  ] as const;
  return parts
    .filter(([count]) => count > 0)
    .map(([count, unit]) => `${count} ${unit}`)
    .join(' ');
}
