import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { booleanOption, integerOption, numberOption, onlyPositional, runMain, stringOption } from '../cli/options.ts';
import { feedStudyNotes, formatFeedStudy, studyFeeds } from './feed-study.ts';
import { createProgressBar } from './progress.ts';
import { renderReport } from './report.ts';
import { runScenario } from './run.ts';
import { describeRequests, loadScenario, parseSweep, ScenarioError } from './scenario.ts';
import { formatScorecard, scoreLab } from './scorecard.ts';

const labOptions = {
  workers: integerOption("Total workers, keeping the groups' shares", undefined, undefined, 1, 10_000),
  requests: integerOption('Requests per strategy', undefined, undefined, 1, 100_000),
  seed: integerOption('Seed of the whole run', undefined, undefined, 0, 4_294_967_295),
  rate: numberOption('Requests per second at most', undefined, undefined, 0.01, 10_000),
  timeoutMs: integerOption('Deadline of each request in ms', undefined, undefined, 10, 60_000),
  strategies: stringOption('Comma-separated strategies to compare, e.g. median,average+mad', undefined, undefined),
  report: stringOption('Where to write the HTML report; default dist/lab/<scenario>.html', 'LAB_REPORT', undefined),
  json: stringOption('Also write every record as JSON to this file', undefined, undefined),
  sweep: stringOption(
    "Feed settings to compare, e.g. 'deviation_bps=10,25,50,100 heartbeat_ms=60000,600000' (two fields make a grid)",
    undefined,
    undefined,
  ),
  durationMs: integerOption('Simulated time a feed study covers, in ms', undefined, undefined, 10, 31 * 86_400_000),
  noProgress: booleanOption('Do not show the progress bar', undefined),
};

await runMain(
  {
    usage: 'npm run simulate -- <scenario.yaml> [options]',
    summary:
      'Runs a scenario against a real coordinator and real workers on loopback under every strategy, prints a scorecard and writes an HTML report.',
    options: labOptions,
    allowPositionals: true,
  },
  async ({ values, positionals }) => {
    const path = onlyPositional(positionals, 'Give exactly one scenario file, e.g. `npm run simulate -- scenarios/byzantine-20.yaml`.');
    if (path === undefined) return;
    if (process.argv.filter((arg) => arg === '--sweep' || arg.startsWith('--sweep=')).length > 1) {
      process.stderr.write("Give --sweep once, with its fields separated by spaces: --sweep 'deviation_bps=10,25 heartbeat_ms=60000'\n");
      process.exitCode = 2;
      return;
    }
    let scenario;
    let settings;
    try {
      scenario = await loadScenario(path, {
        workers: values.workers,
        requests: values.requests,
        seed: values.seed,
        rate: values.rate,
        timeoutMs: values.timeoutMs,
        strategies: values.strategies
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        durationMs: values.durationMs,
      });
      settings = values.sweep === undefined ? undefined : parseSweep(values.sweep, scenario);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const progress = createProgressBar();
    const lab = await runScenario(scenario, values.noProgress ? undefined : (done, total, label) => progress.update(done, total, label));
    if (!values.noProgress) progress.finish();

    const workers = scenario.groups.map((g) => `${g.count} × ${g.profile}`).join(', ');
    process.stdout.write(`\n${scenario.name}: ${describeRequests(scenario)}, ${workers}, seed ${scenario.seed}\n\n`);
    process.stdout.write(`${formatScorecard(scoreLab(lab))}\n\n`);
    const feedStudy = scenario.feed === undefined ? undefined : studyFeeds(lab, scenario.feed, settings);
    if (feedStudy !== undefined) {
      process.stdout.write(`Feed study (reader's error at every poll moment, against the truth):\n\n${formatFeedStudy(feedStudy)}\n\n`);
      process.stdout.write(`${feedStudyNotes(feedStudy).join('\n')}\n\n`);
    }
    const reportPath = resolve(values.report ?? `dist/lab/${scenario.name}.html`);
    await mkdir(dirname(reportPath), { recursive: true });
    await writeFile(reportPath, renderReport(lab, new Date(), feedStudy));
    process.stdout.write(`Report: ${reportPath}\n`);
    if (values.json) {
      await mkdir(dirname(resolve(values.json)), { recursive: true });
      await writeFile(values.json, `${JSON.stringify({ ...lab, feedStudy }, null, 2)}\n`);
      process.stdout.write(`Records: ${resolve(values.json)}\n`);
    }
  },
);
