/** The lab's HTML report: one self-contained file (inline CSS and SVG), readable offline. */
import { escapeMarkup } from '../markup/escape.ts';
import type { LabRun } from './run.ts';
import { SCORECARD_COLUMNS, scoreLab, scorecardRows } from './scorecard.ts';
import { lineChart, stripChart, type LineSeries } from './svg.ts';

const MAX_WORKER_LINES = 12;

export function renderReport(lab: LabRun, generatedAt: Date): string {
  const { scenario } = lab;
  const scores = scoreLab(lab);
  const groups = scenario.groups.map((g) => `${g.count} × ${g.profile}`).join(', ');
  const table = [
    `<tr>${SCORECARD_COLUMNS.map((c) => `<th>${escapeMarkup(c)}</th>`).join('')}</tr>`,
    ...scorecardRows(scores).map((row) => `<tr>${row.map((cell) => `<td>${escapeMarkup(cell)}</td>`).join('')}</tr>`),
  ].join('\n');
  const charts = [
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
  figure { margin: 0 0 2rem; }
  figcaption { color: #555; font-size: 0.9rem; }
  svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>Oracle lab: ${escapeMarkup(scenario.name)}</h1>
<p class="meta">${escapeMarkup(scenario.description)}</p>
<p class="meta">${escapeMarkup(`${scenario.query}, ${scenario.requests} requests per strategy, deadline ${scenario.timeoutMs} ms, seed ${scenario.seed}; workers: ${groups}. Generated ${generatedAt.toISOString()}.`)}</p>
<h2>Scorecard</h2>
<p>Errors are |final value − true price| / true price in basis points, over the requests that got an answer. Availability is the share of requests with a usable answer. Latency depends on the machine; the other figures replay exactly under the same seed.</p>
<table id="scorecard">
${table}
</table>
${charts
  .map(
    (chart) => `<figure data-chart="${chart.id}">
${chart.svg}
</figure>`,
  )
  .join('\n')}
</body>
</html>
`;
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
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
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
