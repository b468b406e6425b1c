import { booleanOption, choiceOption, integerOption, runMain, secretOption, stringOption, type OptionValues } from '../cli/options.ts';
import { STRATEGIES, type FeedValue, type KeySet } from '../contract/models.ts';
import { ProblemResponseError } from '../http/problems.ts';
import { createOracleClient, type OracleClient } from './client.ts';
import { formatFeeds, formatHistory, formatResult, formatRound, formatUpdate } from './format.ts';
import {
  formatVerification,
  parseVerifiable,
  readInput,
  readKeySet,
  verify,
  VerificationInputError,
  type Verifiable,
} from './verification.ts';

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
  verify: booleanOption(
    "Verify the answer: every worker's signature, the coordinator's, and the final value recomputed; exit 1 if any fails",
    'ORACLE_VERIFY',
  ),
  keys: stringOption(
    'A key set to verify with (JSON, as GET /keys serves it), e.g. one you saved earlier; default: ask the coordinator',
    'ORACLE_KEYS',
    undefined,
  ),
  apiKey: secretOption('API key, for a coordinator that requires one', 'ORACLE_API_KEY'),
  readToken: secretOption('Read token, for a coordinator that protects its workers, rounds and feeds', 'ORACLE_READ_TOKEN'),
};

type ClientValues = OptionValues<typeof clientOptions>;

class UsageProblem extends Error {}

/** What failed verification; printed, and exit code 1. */
class VerificationFailed extends Error {}

/** The key set to verify with: the user's file, or the coordinator's, fetched once. */
function keySource(client: OracleClient, keysFile: string | undefined): () => Promise<KeySet> {
  let keys: Promise<KeySet> | undefined;
  return () => (keys ??= keysFile === undefined ? client.getKeys() : readKeySet(keysFile));
}

/** The verdict line for `subject`; throws VerificationFailed (after the output so far) when it does not hold. */
async function verified(subject: Verifiable, keys: () => Promise<KeySet>, output: string): Promise<string> {
  const verification = verify(subject, await keys());
  const verdict = formatVerification(subject, verification);
  if (!verification.valid) throw new VerificationFailed(`${output}${verdict}`);
  return `${output}${verdict}`;
}

/** Runs one command and returns what to print; a ProblemResponseError is reported by the caller. */
async function runCommand(client: OracleClient, positionals: readonly string[], values: ClientValues): Promise<string> {
  const [first, ...rest] = positionals;
  const show = (data: unknown, text: string) => (values.json ? `${JSON.stringify(data, null, 2)}\n` : text);
  const keys = keySource(client, values.keys);
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
      const shown = show(round, formatRound(round));
      if (!values.verify) return shown;
      if (round.result === undefined) throw new VerificationFailed(`${shown}verification FAILED: the round has no result to verify\n`);
      return verified({ kind: 'result', result: round.result }, keys, shown);
    }
    case 'verify': {
      const [file, ...more] = rest;
      if (file === undefined || more.length > 0) {
        throw new UsageProblem('verify takes one file (an OracleResult, a Round or a FeedValue as JSON; - for stdin).');
      }
      return verified(parseVerifiable(await readInput(file), file === '-' ? 'stdin' : file), keys, '');
    }
    case undefined:
      throw new UsageProblem('Give a query, e.g. `npm run client -- BTC/USD`, or a command: history, round, feeds, watch, verify.');
    default: {
      if (rest.length > 0) throw new UsageProblem('Give exactly one query, e.g. `npm run client -- BTC/USD`.');
      const result = await client.submitOracleRequest(first, {
        strategy: values.strategy,
        ...(values.timeoutMs === undefined ? {} : { timeout_ms: values.timeoutMs }),
        ...(values.maxAgeMs === undefined ? {} : { max_age_ms: values.maxAgeMs }),
      });
      const shown = show(result, formatResult(result));
      return values.verify ? verified({ kind: 'result', result }, keys, shown) : shown;
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
      '       npm run client -- verify <file.json | ->             check the signatures and the aggregate of a saved result, round or feed value',
    ].join('\n'),
    summary:
      'Talks to the coordinator: oracle requests with their aggregated answer and per-worker breakdown, the history of rounds, and feeds.',
    options: clientOptions,
    allowPositionals: true,
  },
  async ({ values, positionals }) => {
    const client = createOracleClient({ baseUrl: values.coordinator, apiKey: values.apiKey, readToken: values.readToken });
    try {
      process.stdout.write(await runCommand(client, positionals, values));
    } catch (error) {
      if (error instanceof VerificationFailed || error instanceof VerificationInputError) {
        process.stdout.write(error instanceof VerificationFailed ? error.message : '');
        if (error instanceof VerificationInputError) process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
        return;
      }
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
