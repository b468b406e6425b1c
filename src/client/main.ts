import { booleanOption, choiceOption, integerOption, runMain, secretOption, stringOption, type OptionValues } from '../cli/options.ts';
import { STRATEGIES, type FeedValue } from '../contract/models.ts';
import { ProblemResponseError } from '../http/problems.ts';
import { createOracleClient, type OracleClient } from './client.ts';
import { formatFeeds, formatHistory, formatResult, formatRound, formatUpdate } from './format.ts';

const clientOptions = {
  coordinator: stringOption('Coordinator base URL', 'COORDINATOR_URL', 'http://127.0.0.1:8080', /^https?:\/\/\S+$/),
  strategy: choiceOption('Aggregation strategy', 'ORACLE_STRATEGY', STRATEGIES, 'average'),
  timeoutMs: integerOption('Deadline of the request in ms; the coordinator default when unset', 'ORACLE_TIMEOUT_MS', undefined, 10, 60000),
  maxAgeMs: integerOption(
    'Accept an answer up to this old (ms): from the history, or by joining an identical round in flight',
    'ORACLE_MAX_AGE_MS',
    undefined,
    0,
    3_600_000,
  ),
  limit: integerOption('history: most rounds to show', 'ORACLE_HISTORY_LIMIT', 20, 1, 500),
  json: booleanOption('Print the raw JSON the coordinator answered', 'ORACLE_JSON'),
  apiKey: secretOption('API key, for a coordinator that requires one', 'ORACLE_API_KEY'),
};

type ClientValues = OptionValues<typeof clientOptions>;

class UsageProblem extends Error {}

/** Runs one command and returns what to print; a ProblemResponseError is reported by the caller. */
async function runCommand(client: OracleClient, positionals: readonly string[], values: ClientValues): Promise<string> {
  const [first, ...rest] = positionals;
  const show = (data: unknown, text: string) => (values.json ? `${JSON.stringify(data, null, 2)}\n` : text);
  switch (first) {
    case 'history': {
      if (rest.length > 1) throw new UsageProblem('history takes at most one query, e.g. `npm run client -- history BTC/USD`.');
      const page = await client.listRounds({ limit: values.limit, ...(rest[0] === undefined ? {} : { query: rest[0] }) });
      return show(page, formatHistory(page.rounds));
    }
    case 'feeds': {
      if (rest.length > 0) throw new UsageProblem('feeds takes no arguments.');
      const feeds = await client.listFeeds();
      return show({ feeds }, formatFeeds(feeds));
    }
    case 'watch': {
      const [feedId, ...more] = rest;
      if (feedId === undefined || more.length > 0)
        throw new UsageProblem('watch takes one feed id, e.g. `npm run client -- watch btc-usd`.');
      await watchUntilInterrupted(client, feedId, values.json);
      return '';
    }
    case 'round': {
      if (rest.length !== 1 || rest[0] === undefined)
        throw new UsageProblem('round takes one round id, e.g. `npm run client -- round <id>`.');
      const round = await client.getRound(rest[0]);
      return show(round, formatRound(round));
    }
    case undefined:
      throw new UsageProblem('Give a query, e.g. `npm run client -- BTC/USD`, or a command: history, round, feeds, watch.');
    default: {
      if (rest.length > 0) throw new UsageProblem('Give exactly one query, e.g. `npm run client -- BTC/USD`.');
      const result = await client.submitOracleRequest(first, {
        strategy: values.strategy,
        ...(values.timeoutMs === undefined ? {} : { timeout_ms: values.timeoutMs }),
        ...(values.maxAgeMs === undefined ? {} : { max_age_ms: values.maxAgeMs }),
      });
      return show(result, formatResult(result));
    }
  }
}

/** Prints every update of the feed as it arrives, until Ctrl-C or the feed is deleted. */
async function watchUntilInterrupted(client: OracleClient, feedId: string, json: boolean): Promise<void> {
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.stderr.write(`Watching ${feedId}; Ctrl-C to stop.\n`);
  const print = (value: FeedValue) => process.stdout.write(json ? `${JSON.stringify(value)}\n` : formatUpdate(value));
  try {
    // The value a reader sees now, then every publication after it: none is missed in between.
    const latest = await client.readFeed(feedId, stop.signal).catch((error: unknown) => {
      if (error instanceof ProblemResponseError && error.problem.code === 'NO_PUBLICATION') return undefined;
      throw error;
    });
    if (latest !== undefined) print(latest);
    await client.watchFeed(feedId, print, {
      signal: stop.signal,
      ...(latest === undefined ? {} : { lastEventId: latest.round_id }),
      onReconnect: (error) => process.stderr.write(`Connection lost (${(error as Error).message}); reconnecting...\n`),
    });
    process.stderr.write(`The feed ${feedId} was deleted.\n`);
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

await runMain(
  {
    usage: [
      'npm run client -- <BASE/QUOTE> [options]   ask for a value now (or, with --max-age-ms, one at most that old)',
      '       npm run client -- history [BASE/QUOTE] [--limit N]   recent rounds, newest first',
      '       npm run client -- round <id>                         one round with its worker breakdown',
      '       npm run client -- feeds                              the feeds and their latest values',
      '       npm run client -- watch <feed-id>                    each publication of a feed as it happens, until Ctrl-C',
    ].join('\n'),
    summary:
      'Talks to the coordinator: oracle requests with their aggregated answer and per-worker breakdown, the history of rounds, and feeds.',
    options: clientOptions,
    allowPositionals: true,
  },
  async ({ values, positionals }) => {
    const client = createOracleClient({ baseUrl: values.coordinator, apiKey: values.apiKey });
    try {
      process.stdout.write(await runCommand(client, positionals, values));
    } catch (error) {
      if (error instanceof UsageProblem) {
        process.stderr.write(`${error.message} Run with --help for the options.\n`);
        process.exitCode = 2;
        return;
      }
      process.exitCode = 1;
      if (error instanceof ProblemResponseError) {
        const { problem } = error;
        if (values.json) process.stdout.write(`${JSON.stringify(problem, null, 2)}\n`);
        process.stderr.write(`${problem.title} (HTTP ${problem.status})${problem.detail ? `: ${problem.detail}` : ''}\n`);
        for (const fieldError of problem.errors ?? []) process.stderr.write(`  ${fieldError.path ?? ''} ${fieldError.message}\n`);
      } else {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        process.stderr.write(
          `Cannot reach the coordinator at ${values.coordinator}${cause ? ` (${cause})` : ''}: ${(error as Error).message}\n`,
        );
      }
    }
  },
);
