/** The lab's HTML report: one self-contained file (inline CSS and SVG), readable offline. */
import { escapeMarkup } from '../markup/escape.ts';
import { FEED_STUDY_COLUMNS, feedStudyNotes, feedStudyRows, type FeedStudy, type FeedStudyRecord } from './feed-study.ts';
import { formatSpan } from './format.ts';
import type { LabRun, VariantRun } from './run.ts';
import { describeRequests, type FeedSetting } from './scenario.ts';
import { SCORECARD_COLUMNS, scoreLab, scorecardRows } from './scorecard.ts';
import { maximum, minimum } from '../stats/quantiles.ts';
import { lineChart, niceRange, PALETTE, stripChart, type LineSeries } from './svg.ts';

const MAX_WORKER_LINES = 12;
/** Settings drawn against the truth, at most; a larger sweep shows this many, spread across it. */
const MAX_FEED_LINES = 5;

interface Chart {
  readonly id: string;
  readonly svg: string;
  readonly variant?: string;
}

/** The report; with a feed study, its table and charts too. */
export function renderReport(lab: LabRun, generatedAt: Date, feedStudy?: FeedStudy): string {
  const { scenario } = lab;
  const scores = scoreLab(lab);
  const groups = scenario.groups.map((g) => `${g.count} × ${g.profile}`).join(', ');
  const charts: Chart[] = [
    { id: 'error-distribution', svg: errorDistribution(lab) },
    { id: 'error-over-time', svg: errorOverTime(lab) },
    { id: 'scores-over-time', svg: scoresOverTime(lab) },
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Oracle lab: ${escapeMarkup(scenario.name)}</title>
<style>
  body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 820px; color: #1d1d1f; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
  .meta { color: #555; margin-top: 0; }
  table { border-collapse: collapse; margin: 1rem 0 2rem; font-variant-numeric: tabular-nums; }
  th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #ddd; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  #feed-study { font-size: 0.8rem; }
  #feed-study th, #feed-study td { padding: 0.3rem 0.4rem; }
  #feed-study td { white-space: nowrap; }
  figure { margin: 0 0 2rem; }
  figcaption { color: #555; font-size: 0.9rem; }
  svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>Oracle lab: ${escapeMarkup(scenario.name)}</h1>
<p class="meta">${escapeMarkup(scenario.description)}</p>
<p class="meta">${escapeMarkup(`${scenario.query}, ${describeRequests(scenario)}, deadline ${scenario.timeoutMs} ms, seed ${scenario.seed}; workers: ${groups}. Generated ${generatedAt.toISOString()}.`)}</p>
<h2>Scorecard</h2>
<p>Errors are |final value − true price| / true price in basis points, over the requests that got an answer. Availability is the share of requests with a usable answer. Latency depends on the machine; the other figures replay exactly under the same seed.</p>
${htmlTable('scorecard', SCORECARD_COLUMNS, scorecardRows(scores))}
${charts.map(figure).join('\n')}
${feedStudy === undefined ? '' : feedSection(lab, feedStudy)}
</body>
</html>
`;
}

function htmlTable(id: string, columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `<table id="${id}">`,
    `<tr>${columns.map((c) => `<th>${escapeMarkup(c)}</th>`).join('')}</tr>`,
    ...rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeMarkup(cell)}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
}

function figure(chart: Chart): string {
  const variant = chart.variant === undefined ? '' : ` data-variant="${escapeMarkup(chart.variant)}"`;
  return `<figure data-chart="${chart.id}"${variant}>\n${chart.svg}\n</figure>`;
}

function feedSection(lab: LabRun, study: FeedStudy): string {
  const charts = lab.runs.flatMap((run): Chart[] => {
    const variant = run.variant.label;
    const records = study.records.filter((r) => r.variant === variant);
    return [
      { id: 'feed-values', variant, svg: feedValues(lab.scenario.query, run, records, study.spanMs) },
      { id: 'feed-tradeoff', variant, svg: feedTradeoff(variant, records) },
    ];
  });
  return `<h2>Feed study</h2>
<p>${escapeMarkup(
    `Every poll is a real round; the update rule is replayed over the recorded polls for each setting, on simulated time. At every poll moment a reader reads the latest publication (that moment's included); its error is |read value − true price| / true price in basis points. Moments before the first publication have nothing to read and are left out. Updates per hour are over the ${formatSpan(study.spanMs)} of simulated time the polls cover; the longest gap includes the stretch from the last publication to the last poll.`,
  )}</p>
${htmlTable('feed-study', FEED_STUDY_COLUMNS, feedStudyRows(study))}
${feedStudyNotes(study)
  .map((note) => `<p class="meta">${escapeMarkup(note)}</p>`)
  .join('\n')}
${charts.map(figure).join('\n')}`;
}

/** The truth at every poll and what a reader read under each setting (a spread of them for a large sweep), as step lines. */
function feedValues(query: string, run: VariantRun, records: readonly FeedStudyRecord[], spanMs: number): string {
  const startMs = run.records[0]?.asOfMs ?? 0;
  const endMs = run.records.at(-1)?.asOfMs ?? startMs;
  const minutes = (ms: number) => (ms - startMs) / 60_000;
  const series: LineSeries[] = [
    { label: 'truth', color: '#222', step: true, points: run.records.map((r) => [minutes(r.asOfMs), r.truth] as const) },
    ...spread(records, MAX_FEED_LINES).map((record, i) => {
      const points = record.publications.map((p) => [minutes(p.atMs), p.value] as const);
      const last = points.at(-1);
      return {
        label: settingLabel(record.setting),
        color: PALETTE[i % PALETTE.length] ?? '#333',
        step: true,
        points: last === undefined ? [] : [...points, [minutes(endMs), last[1]] as const],
      };
    }),
  ];
  const values = series.flatMap((s) => s.points.map((p) => p[1]));
  const [yMin, yMax] = niceRange(minimum(values), maximum(values));
  return lineChart(series, {
    title: `${run.variant.label}: the truth and the published value a reader reads`,
    xLabel: 'simulated minutes',
    yLabel: `price (${query})`,
    yMin,
    yMax,
    xMax: spanMs / 60_000,
  });
}

/**
 * Updates per hour against the reader's error, a dot per setting (solid: mean, dashed: p99):
 * with several thresholds, a line through them for each heartbeat; with one, a line through the
 * heartbeats.
 */
function feedTradeoff(variant: string, records: readonly FeedStudyRecord[]): string {
  const alongDeviation = new Set(records.map((r) => r.setting.deviationBps)).size > 1;
  const lines = new Map<string, FeedStudyRecord[]>();
  for (const record of records) {
    const key = alongDeviation ? `heartbeat ${formatSpan(record.setting.heartbeatMs)}` : `${record.setting.deviationBps} bps threshold`;
    lines.set(key, [...(lines.get(key) ?? []), record]);
  }
  const series = [...lines].flatMap(([label, line], i): LineSeries[] => {
    const color = PALETTE[i % PALETTE.length] ?? '#333';
    const sorted = line.filter((r) => r.figures.meanErrorBps !== undefined).sort((a, b) => a.figures.perHour - b.figures.perHour);
    const points = (error: (r: FeedStudyRecord) => number | undefined) => sorted.map((r) => [r.figures.perHour, error(r) ?? 0] as const);
    return [
      {
        label,
        color,
        marks: sorted.map((r) => (alongDeviation ? `${r.setting.deviationBps} bps` : formatSpan(r.setting.heartbeatMs))),
        points: points((r) => r.figures.meanErrorBps),
      },
      { label: `${label}, p99`, color, dashed: true, marks: true, unlisted: true, points: points((r) => r.figures.p99ErrorBps) },
    ];
  });
  const ceilingOf = (values: number[]) => niceCeiling(maximum(values, 1));
  return lineChart(series, {
    title: `${variant}: updates against the reader's error (solid: mean, dashed: p99)`,
    xLabel: 'publications per simulated hour',
    yLabel: 'reader error (bps)',
    yMin: 0,
    yMax: ceilingOf(series.flatMap((s) => s.points.map((p) => p[1]))),
    xMax: ceilingOf(series.flatMap((s) => s.points.map((p) => p[0]))),
  });
}

function settingLabel(setting: FeedSetting): string {
  return `${setting.deviationBps} bps, ${formatSpan(setting.heartbeatMs)}`;
}

/** At most `max` of the items, spread evenly, the first and the last among them. */
function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, k) => Math.round((k * (items.length - 1)) / (max - 1))).flatMap((i) => items.slice(i, i + 1));
}

function errorDistribution(lab: LabRun): string {
  return stripChart(
    lab.runs.map((run) => ({
      label: run.variant.label,
      values: run.records.flatMap((r) => (r.errorBps === undefined ? [] : [r.errorBps])),
      emptyNote: 'no answer to any request',
    })),
    {
      title: 'Error distribution per strategy (box: quartiles, bar: median, tick: p99)',
      unit: 'error against the truth, bps',
      floor: 0.01,
    },
  );
}

function errorOverTime(lab: LabRun): string {
  const series: LineSeries[] = lab.runs.map((run) => ({
    label: run.variant.label,
    points: run.records.flatMap((r) => (r.errorBps === undefined ? [] : [[r.index, r.errorBps] as const])),
  }));
  const max = maximum(
    series.flatMap((s) => s.points.map((p) => p[1])),
    1,
  );
  return lineChart(series, { title: 'Error per request', xLabel: 'request', yLabel: 'error (bps)', yMin: 0, yMax: niceCeiling(max) });
}

/** Scores hardly depend on the strategy (answers are judged against the median), so the first run shows them. */
function scoresOverTime(lab: LabRun): string {
  const records = lab.runs[0]?.records ?? [];
  const perWorker = lab.workers.length <= MAX_WORKER_LINES;
  const groups = perWorker
    ? lab.workers.map((w) => ({ label: w.id, ids: [w.id] }))
    : [...new Set(lab.workers.map((w) => w.profile))].map((p) => ({
        label: `${p} (mean)`,
        ids: lab.workers.filter((w) => w.profile === p).map((w) => w.id),
      }));
  const series: LineSeries[] = groups.map((group) => ({
    label: group.label,
    points: records.map((r) => [r.index, group.ids.reduce((sum, id) => sum + (r.scores[id] ?? 0), 0) / group.ids.length] as const),
  }));
  return lineChart(series, {
    title: perWorker ? "Each worker's reliability score over time" : 'Reliability score over time, mean per profile',
    xLabel: 'request',
    yLabel: 'score',
    yMin: 0,
    yMax: 1,
  });
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}
