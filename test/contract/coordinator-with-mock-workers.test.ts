/**
 * The real coordinator against workers that are nothing but worker.yaml: Prism mock servers
 * answering every task with the spec's example WorkerResult.
 *
 * A static example cannot know the id the coordinator gives a request (a fresh UUID), and the
 * coordinator rightly refuses an answer about another request: so with a coordinator-assigned id
 * the honest outcome is a 503 whose breakdown excludes every mock for exactly that reason. A
 * client may choose the request id, though; choosing the examples' id, the mock registered under
 * the examples' worker id is aggregated over HTTP to the example's value by every strategy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate } from '../../src/coordinator/aggregator.ts';
import { dispatchToWorkers } from '../../src/coordinator/dispatch.ts';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import { createTaskClient } from '../../src/coordinator/task-client.ts';
import { STRATEGIES, type OracleRequest, type WorkerResult } from '../../src/contract/models.ts';
import { coordinatorApi, expectData, expectError } from '../helpers/clients.ts';
import { Cleanup, register, startTestCoordinator } from '../helpers/network.ts';
import { PRISM_TEST_TIMEOUT_MS, startPrismMock, type PrismServer } from '../helpers/prism.ts';
import { loadResolvedSpec } from '../helpers/spec.ts';
import { WORKER_SPEC_PATH } from '../../src/contract/spec-paths.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
let mocks: PrismServer[];
/** The task and the answer of worker.yaml's first examples. */
let exampleTask: OracleRequest;
let exampleAnswer: WorkerResult;
/** Mock 1 is registered under the example's worker id, mock 2 under another. */
let mockIds: [string, string];

beforeAll(async () => {
  const [spec, started, ...prisms] = await Promise.all([
    loadResolvedSpec(WORKER_SPEC_PATH),
    startTestCoordinator({ ejectAfterFailures: 1000 }),
    startPrismMock(WORKER_SPEC_PATH),
    startPrismMock(WORKER_SPEC_PATH),
  ]);
  coordinator = cleanup.add(started);
  mocks = prisms.map((prism) => cleanup.add(prism));
  exampleTask = spec.requestExamples('/task', 'POST')[0]?.value as OracleRequest;
  exampleAnswer = spec.responseExamples('/task', 'POST', 200, 'application/json')[0]?.value as WorkerResult;
  mockIds = [exampleAnswer.worker_id, `${exampleAnswer.worker_id}-twin`];
  for (const [i, mock] of mocks.entries()) await register(coordinator.url, mockIds[i] ?? '', mock.url);
}, 60_000);
afterAll(() => cleanup.run());

describe('POST /request over Prism-mocked workers', { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it('answers 503 NO_USABLE_ANSWER: each mock answers about the example request, not this one', async () => {
    const reply = await coordinatorApi(coordinator).POST('/request', { body: { query: exampleTask.query, timeout_ms: 5000 } });
    const problem = expectError(reply, 503);
    expect(problem).toMatchObject({ status: 503, code: 'NO_USABLE_ANSWER' });
    const requestId = problem.request_id ?? '';
    expect(requestId).toMatch(UUID);
    const anyDuration: unknown = expect.stringMatching(/^\d+(\.\d+)?(µs|ms|s)$/);
    expect(problem.worker_responses).toEqual(
      mockIds.map((id) => ({
        worker_id: id,
        request_id: requestId,
        value: 0,
        err: `answer is for request ${exampleAnswer.request_id}, not ${requestId}`,
        response_time: anyDuration,
        reliable: false,
      })),
    );
    for (const id of mockIds) expect(problem.detail).toContain(id);
  });
});

describe("POST /request with the examples' request id, over Prism-mocked workers", { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it.each(STRATEGIES)('aggregates the mock answering as the registered worker to the example value (%s)', async (strategy) => {
    const reply = await coordinatorApi(coordinator).POST('/request', {
      body: { query: exampleTask.query, strategy, request_id: exampleTask.id, timeout_ms: 5000 },
    });
    const result = expectData(reply);
    expect(result).toMatchObject({
      request_id: exampleTask.id,
      final_value: exampleAnswer.value,
      strategy,
      workers_asked: 2,
      workers_answered: 1,
      values_used: 1,
    });
    expect(result.worker_responses[0]).toMatchObject({
      worker_id: exampleAnswer.worker_id,
      request_id: exampleTask.id,
      value: exampleAnswer.value,
      reliable: true,
    });
    // The twin is refused for the one field a static example cannot get right for it.
    expect(result.worker_responses[1]?.err).toBe(`answer names worker ${exampleAnswer.worker_id}, not ${mockIds[1]}`);
  });
});

describe('the coordinator fan-out, given the task of the spec examples', { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it('accepts the mock answering as the registered worker and aggregates its example value', async () => {
    const taskClient = createTaskClient({ maxAnswerBytes: 65536 });
    try {
      const targets = mocks.map((mock, i) => ({ id: mockIds[i] ?? '', endpoint: mock.url }));
      const outcomes = await dispatchToWorkers(targets, exampleTask, { timeoutMs: 5000, sendTask: taskClient.sendTask });
      expect(outcomes.map((outcome) => outcome.kind)).toEqual(['success', 'failure']);
      expect(outcomes[0]?.result).toMatchObject({
        worker_id: exampleAnswer.worker_id,
        request_id: exampleTask.id,
        value: exampleAnswer.value,
        reliable: true,
      });
      // The twin is refused for the one field a static example cannot get right for it.
      expect(outcomes[1]?.result.err).toBe(`answer names worker ${exampleAnswer.worker_id}, not ${mockIds[1]}`);

      const usable = outcomes.filter((outcome) => outcome.kind === 'success').map((outcome) => outcome.result.value);
      for (const strategy of STRATEGIES) {
        expect(aggregate(strategy, usable, { majorityTolerance: 0.005, trim: 0.1 }), strategy).toEqual({
          ok: true,
          value: exampleAnswer.value,
        });
      }
    } finally {
      await taskClient.close();
    }
  });
});
