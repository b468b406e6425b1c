import { STRATEGIES } from '../contract/models.ts';
import { booleanOption, choiceOption, integerOption, onlyPositional, runMain, secretOption, stringOption } from '../cli/options.ts';
import { ProblemResponseError } from '../http/problems.ts';
import { createOracleClient } from './client.ts';
import { formatResult } from './format.ts';

const clientOptions = {
  coordinator: stringOption('Coordinator base URL', 'COORDINATOR_URL', 'http://127.0.0.1:8080', /^https?:\/\/\S+$/),
  strategy: choiceOption('Aggregation strategy', 'ORACLE_STRATEGY', STRATEGIES, 'average'),
  timeoutMs: integerOption('Deadline of the request in ms; the coordinator default when unset', 'ORACLE_TIMEOUT_MS', undefined, 10, 60000),
  json: booleanOption('Print the raw OracleResult as JSON', 'ORACLE_JSON'),
  apiKey: secretOption('API key, for a coordinator that requires one', 'ORACLE_API_KEY'),
};

await runMain(
  {
    usage: 'npm run client -- <BASE/QUOTE> [options]',
    summary: 'Sends one oracle request to the coordinator and prints the aggregated answer with a per-worker breakdown.',
    options: clientOptions,
    allowPositionals: true,
  },
  async ({ values, positionals }) => {
    const query = onlyPositional(positionals, 'Give exactly one query, e.g. `npm run client -- BTC/USD`. Run with --help for the options.');
    if (query === undefined) return;
    const client = createOracleClient({ baseUrl: values.coordinator, apiKey: values.apiKey });
    try {
      const result = await client.submitOracleRequest(query, {
        strategy: values.strategy,
        ...(values.timeoutMs === undefined ? {} : { timeout_ms: values.timeoutMs }),
      });
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result));
    } catch (error) {
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
