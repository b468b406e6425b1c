/**
 * The real client, library and CLI, against a coordinator that is nothing but coordinator.yaml:
 * a Prism mock server answering with the spec's examples. Prism picks an example by name when a
 * request says `Prefer: example=<name>` (and a status with `code=<status>`); the library takes
 * an injected fetch, which is how these tests ask for each one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleClient } from '../../src/client/client.ts';
import { formatResult } from '../../src/client/format.ts';
import type { OracleRequestSubmission, OracleResult, Problem, WorkerList } from '../../src/contract/models.ts';
import { ProblemResponseError } from '../../src/http/problems.ts';
import { runClient } from '../helpers/run-program.ts';
import { Cleanup } from '../helpers/network.ts';
import { PRISM_TEST_TIMEOUT_MS, startPrismMock, type PrismServer } from '../helpers/prism.ts';
import { loadResolvedSpec, type NamedExample, type SpecView } from '../helpers/spec.ts';
import { COORDINATOR_SPEC_PATH } from '../../src/contract/spec-paths.ts';

const cleanup = new Cleanup();
let mock: PrismServer;
let spec: SpecView;
let submission: OracleRequestSubmission;
let results: NamedExample[];

beforeAll(async () => {
  const [prism, resolved] = await Promise.all([startPrismMock(COORDINATOR_SPEC_PATH), loadResolvedSpec(COORDINATOR_SPEC_PATH)]);
  mock = cleanup.add(prism);
  spec = resolved;
  submission = spec.requestExamples('/request', 'POST')[0]?.value as OracleRequestSubmission;
  results = spec.responseExamples('/request', 'POST', 200, 'application/json');
}, 60_000);
afterAll(() => cleanup.run());

/** A fetch that asks Prism for one particular example. */
function preferring(preference: string): typeof globalThis.fetch {
  return (input, init) => {
    const request = new Request(input, init);
    request.headers.set('Prefer', preference);
    return fetch(request);
  };
}

describe('createOracleClient against the mocked coordinator', { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it('returns the first OracleResult example of POST /request as is', async () => {
    const client = createOracleClient({ baseUrl: mock.url });
    expect(await client.submitOracleRequest(submission.query)).toEqual(results[0]?.value);
  });

  it('parses every OracleResult example, the partial one with its warning included', async () => {
    expect(results.length).toBeGreaterThan(1);
    for (const { name, value } of results) {
      const client = createOracleClient({ baseUrl: mock.url, fetch: preferring(`example=${name}`) });
      const result: OracleResult = await client.submitOracleRequest(submission.query, { strategy: 'median', timeout_ms: 1500 });
      expect(result, name).toEqual(value);
    }
    const partial = results.map((example) => example.value as OracleResult).find((result) => result.partial === true);
    expect(partial?.reliability_note).toMatch(/^Warning: partial result/);
  });

  it('throws every 503 example as a ProblemResponseError carrying the problem', async () => {
    for (const { name, value } of spec.responseExamples('/request', 'POST', 503, 'application/problem+json')) {
      const client = createOracleClient({ baseUrl: mock.url, fetch: preferring(`code=503, example=${name}`) });
      const error = await client.submitOracleRequest(submission.query).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ProblemResponseError);
      expect((error as ProblemResponseError).problem, name).toEqual(value);
    }
  });

  it('throws the 400 example, errors[] included, for a query the spec forbids', async () => {
    const [badRequest] = spec.responseExamples('/request', 'POST', 400, 'application/problem+json');
    const client = createOracleClient({ baseUrl: mock.url });
    const error = (await client.submitOracleRequest('bitcoin').catch((e: unknown) => e)) as ProblemResponseError;
    expect(error).toBeInstanceOf(ProblemResponseError);
    expect(error.problem).toEqual(badRequest?.value);
    expect(error.problem.errors?.length).toBeGreaterThan(0);
  });

  it('lists the workers of the GET /workers example', async () => {
    const [list] = spec.responseExamples('/workers', 'GET', 200, 'application/json');
    const client = createOracleClient({ baseUrl: mock.url });
    expect(await client.listWorkers()).toEqual((list?.value as WorkerList).workers);
  });
});

describe('npm run client against the mocked coordinator', { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it('prints the example result exactly as it formats an OracleResult', async () => {
    const { code, stdout } = await runClient(submission.query, '--coordinator', mock.url);
    expect(code).toBe(0);
    const example = results[0]?.value as OracleResult;
    expect(stdout).toBe(formatResult(example));
    expect(stdout).toContain(example.reliability_note);
    for (const response of example.worker_responses) expect(stdout).toContain(response.worker_id);
  });

  it('prints the raw example with --json', async () => {
    const { code, stdout } = await runClient(submission.query, '--coordinator', mock.url, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(results[0]?.value);
  });

  it("prints the 400 example's title, detail and field errors and exits 1", async () => {
    const problem = spec.responseExamples('/request', 'POST', 400, 'application/problem+json')[0]?.value as Problem;
    const { code, stderr } = await runClient('bitcoin', '--coordinator', mock.url);
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`${problem.title} (HTTP ${problem.status}): ${problem.detail ?? ''}`);
    for (const fieldError of problem.errors ?? []) expect(lines).toContain(`  ${fieldError.path ?? ''} ${fieldError.message}`);
  });
});
