/**
 * Two small chart kinds as standalone SVG strings, so the lab's report needs no script and no
 * network: a strip chart (one row of points and a box per series) and a line chart (straight or
 * stepped lines, optionally with labelled dots).
 */
import { escapeMarkup } from '../markup/escape.ts';
import { maximum, minimum, percentileOfSorted, sortAscending } from '../stats/quantiles.ts';

export const PALETTE = ['#1b6ac9', '#d1495b', '#2e933c', '#edae49', '#8e44ad', '#00798c', '#6c757d', '#e07a5f', '#3d405b', '#81b29a'];

const fmt = (n: number) => Number(n.toFixed(2)).toString();

export interface StripRow {
  label: string;
  values: readonly number[];
  /** Shown at the end of the row when there are no values. */
  emptyNote?: string;
}

/**
 * One row per series on a shared log axis (values ≤ floor are drawn at the floor): every value as a
 * faint dot, the inter-quartile box, the median as a bar and the p99 as a tick.
 */
export function stripChart(rows: readonly StripRow[], options: { title: string; unit: string; floor: number }): string {
  const width = 760;
  const left = 150;
  const right = 30;
  const rowHeight = 34;
  const top = 36;
  const height = top + rows.length * rowHeight + 40;
  const all = rows.flatMap((r) => r.values);
  const max = maximum(all, options.floor * 10);
  const lo = Math.log10(options.floor);
  const hi = Math.ceil(Math.log10(max));
  const x = (v: number) => left + ((Math.log10(Math.max(v, options.floor)) - lo) / (hi - lo)) * (width - left - right);
  const parts: string[] = [];
  for (let e = Math.floor(lo); e <= hi; e++) {
    const px = x(10 ** e);
    parts.push(`<line x1="${fmt(px)}" y1="${top - 6}" x2="${fmt(px)}" y2="${height - 34}" stroke="#e3e3e3"/>`);
    parts.push(
      `<text x="${fmt(px)}" y="${height - 18}" font-size="11" text-anchor="middle" fill="#555">${escapeMarkup(formatTick(10 ** e))}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const cy = top + i * rowHeight + rowHeight / 2;
    const color = PALETTE[i % PALETTE.length] ?? '#333';
    parts.push(`<text x="${left - 10}" y="${fmt(cy + 4)}" font-size="12" text-anchor="end" fill="#222">${escapeMarkup(row.label)}</text>`);
    if (row.values.length === 0) {
      parts.push(
        `<text x="${left + 4}" y="${fmt(cy + 4)}" font-size="12" fill="#999">${escapeMarkup(row.emptyNote ?? 'no values')}</text>`,
      );
      return;
    }
    const sorted = sortAscending(row.values);
    const q = (p: number) => percentileOfSorted(sorted, p) ?? 0;
    for (const [k, v] of sorted.entries()) {
      const jitter = ((k * 7919) % 13) - 6;
      parts.push(`<circle cx="${fmt(x(v))}" cy="${fmt(cy + jitter)}" r="2" fill="${color}" fill-opacity="0.35"/>`);
    }
    parts.push(
      `<rect x="${fmt(x(q(25)))}" y="${fmt(cy - 9)}" width="${fmt(Math.max(1, x(q(75)) - x(q(25))))}" height="18" fill="none" stroke="${color}" stroke-width="1.5"/>`,
    );
    parts.push(
      `<line x1="${fmt(x(q(50)))}" y1="${fmt(cy - 11)}" x2="${fmt(x(q(50)))}" y2="${fmt(cy + 11)}" stroke="${color}" stroke-width="3"/>`,
    );
    parts.push(
      `<line x1="${fmt(x(q(99)))}" y1="${fmt(cy - 6)}" x2="${fmt(x(q(99)))}" y2="${fmt(cy + 6)}" stroke="#222" stroke-width="1.5"/>`,
    );
  });
  parts.push(
    `<text x="${fmt((left + width - right) / 2)}" y="${height - 2}" font-size="12" text-anchor="middle" fill="#333">${escapeMarkup(options.unit)} (log scale)</text>`,
  );
  return svg(width, height, options.title, parts);
}

export interface LineSeries {
  label: string;
  points: readonly (readonly [number, number])[];
  /** Hold each value until the next point (a step line), as a feed holds a value until the next publication. */
  step?: boolean;
  /** A dot at every point; with strings, each dot labelled with its own. */
  marks?: boolean | readonly string[];
  dashed?: boolean;
  /** The palette's colour for the series' position unless given. */
  color?: string;
  /** Not in the legend, e.g. a second statistic drawn in the colour of a series that is. */
  unlisted?: boolean;
}

export function lineChart(
  series: readonly LineSeries[],
  options: { title: string; xLabel: string; yLabel: string; yMin: number; yMax: number; xMax?: number },
): string {
  const width = 760;
  const left = 60;
  const right = 170;
  const top = 36;
  const bottom = 50;
  const height = 300;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = minimum(xs, 0);
  const xMax = options.xMax ?? maximum(xs, 1);
  const x = (v: number) => left + ((v - xMin) / (xMax - xMin)) * (width - left - right);
  const y = (v: number) => top + (1 - (v - options.yMin) / (options.yMax - options.yMin)) * (height - top - bottom);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = options.yMin + ((options.yMax - options.yMin) * k) / 4;
    parts.push(`<line x1="${left}" y1="${fmt(y(v))}" x2="${width - right}" y2="${fmt(y(v))}" stroke="#e3e3e3"/>`);
    parts.push(
      `<text x="${left - 6}" y="${fmt(y(v) + 4)}" font-size="11" text-anchor="end" fill="#555">${escapeMarkup(formatTick(v))}</text>`,
    );
  }
  // Ticks along x at round values: 1, 2, 2.5 or 5 times a power of ten apart, about four of them.
  const xStep = niceStep((xMax - xMin) / 4, [1, 2, 2.5, 5]);
  for (let u = Math.ceil(xMin / xStep) * xStep; xStep > 0 && u <= xMax + xStep * 1e-9; u += xStep) {
    parts.push(
      `<text x="${fmt(x(u))}" y="${height - bottom + 16}" font-size="11" text-anchor="middle" fill="#555">${escapeMarkup(formatTick(u))}</text>`,
    );
  }
  // Point labels that would overlap one already drawn are left out.
  const labelled: { x: number; y: number; width: number }[] = [];
  const free = (lx: number, ly: number, width: number) =>
    labelled.every((l) => Math.abs(l.y - ly) >= 11 || lx + width <= l.x || l.x + l.width <= lx);
  let listed = 0;
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? '#333';
    const d = s.points
      .map(([px, py], k) =>
        k === 0 ? `M${fmt(x(px))},${fmt(y(py))}` : s.step ? `H${fmt(x(px))} V${fmt(y(py))}` : `L${fmt(x(px))},${fmt(y(py))}`,
      )
      .join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    const { marks } = s;
    if (marks !== undefined && marks !== false) {
      s.points.forEach(([px, py], k) => {
        parts.push(`<circle cx="${fmt(x(px))}" cy="${fmt(y(py))}" r="3" fill="${s.dashed ? '#fff' : color}" stroke="${color}"/>`);
        const label = marks === true ? undefined : marks[k];
        const [lx, ly, labelWidth] = [x(px) + 5, y(py) - 5, (label?.length ?? 0) * 5.5];
        if (label !== undefined && free(lx, ly, labelWidth)) {
          labelled.push({ x: lx, y: ly, width: labelWidth });
          parts.push(`<text x="${fmt(lx)}" y="${fmt(ly)}" font-size="10" fill="#444">${escapeMarkup(label)}</text>`);
        }
      });
    }
    if (s.unlisted) return;
    parts.push(`<rect x="${width - right + 12}" y="${top + listed * 16}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${width - right + 26}" y="${top + listed * 16 + 9}" font-size="11" fill="#222">${escapeMarkup(s.label)}</text>`);
    listed++;
  });
  parts.push(
    `<text x="${fmt((left + width - right) / 2)}" y="${height - 8}" font-size="12" text-anchor="middle" fill="#333">${escapeMarkup(options.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${fmt((top + height - bottom) / 2)}" font-size="12" text-anchor="middle" fill="#333" transform="rotate(-90 14 ${fmt((top + height - bottom) / 2)})">${escapeMarkup(options.yLabel)}</text>`,
  );
  return svg(width, height, options.title, parts);
}

/** Bounds around [min, max] in four round steps (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten). */
export function niceRange(min: number, max: number): readonly [number, number] {
  if (!(max > min)) return [min - Math.abs(min) * 0.01 - 1e-9, max + Math.abs(max) * 0.01 + 1e-9];
  for (let step = niceStep((max - min) / 4); ; step = niceStep(step * 1.0001)) {
    const low = Math.floor(min / step) * step;
    if (low + 4 * step >= max) return [low, low + 4 * step];
  }
}

/** The smallest of the factors times a power of ten that is at least `raw`. */
function niceStep(raw: number, factors: readonly number[] = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8]): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return (factors.find((f) => f * magnitude >= raw) ?? 10) * magnitude;
}

function svg(width: number, height: number, title: string, parts: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeMarkup(title)}">`,
    `<title>${escapeMarkup(title)}</title>`,
    `<text x="10" y="20" font-size="14" font-weight="600" fill="#111">${escapeMarkup(title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return `${value / 1000}k`;
  return Number(value.toPrecision(3)).toString();
}
