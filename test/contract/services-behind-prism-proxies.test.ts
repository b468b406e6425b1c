/**
 * The real coordinator and real workers, each behind a `prism proxy --errors` built from its
 * spec, so every request and response of an end-to-end scenario is checked by an independent
 * validator: clients talk to the coordinator's proxy, workers register (and heartbeat, and
 * deregister) through it, and the coordinator reaches every worker through that worker's proxy.
 * A violation in either direction fails the test: Prism turns it into an error answer of its own
 * (which the scenario or the coordinator's breakdown would show) and logs it (checked at the end).
 *
 * Bad input needs a second coordinator proxy that does not validate requests: the strict one
 * refuses bad input itself (422), so the coordinator's own 4xx answers would never be checked.
 * Each bad input goes to both, showing that the spec forbids what the coordinator refuses and
 * that the coordinator's refusal is itself within the spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleClient } from '../../src/client/client.ts';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { OracleRequestSubmission, OracleResult, Problem, Strategy } from '../../src/contract/models.ts';
import { median } from '../../src/stats/quantiles.ts';
import { Membership } from '../../src/worker/membership.ts';
import type { SimulationSettings } from '../../src/worker/simulation.ts';
import { startWorkerServer } from '../../src/worker/server.ts';
import { coordinatorApi, expectData, expectError, workerApi, type CoordinatorApi, type Reply, type WorkerApi } from '../helpers/clients.ts';
import { openEventStream } from '../helpers/sse.ts';
import { exchange, exchangeOf, isPrismProblem, prismVerdict, type Exchange, type ExchangeOptions } from '../helpers/http-exchange.ts';
import { Cleanup, HONEST, silentLogger, startTestCoordinator } from '../helpers/network.ts';
import { PRISM_TEST_TIMEOUT_MS, startPrismProxy, type PrismServer } from '../helpers/prism.ts';
import { loadResolvedSpec, type SpecOperation } from '../helpers/spec.ts';
import { COORDINATOR_SPEC_PATH, WORKER_SPEC_PATH } from '../../src/contract/spec-paths.ts';

interface ProxiedWorker {
  id: string;
  proxy: PrismServer;
  membership: Membership;
  /** The `err` the coordinator must report for it, or undefined for an honest worker. */
  expectedErr: string | undefined;
}

const FAILING: Record<string, { simulation: Partial<SimulationSettings>; err: string }> = {
  'failing-error': {
    simulation: { failureRate: 1, failureModes: ['error'] },
    err: 'worker reported: simulated failure: price source unavailable',
  },
  'failing-outage': { simulation: { failureRate: 1, failureModes: ['outage'] }, err: 'HTTP 503: The simulated price source is down' },
};
const HONEST_IDS = ['honest-1', 'honest-2', 'honest-3'];
/** The failing workers register first, alone, then the honest ones; the registry keeps this order. */
const REGISTRATION_ORDER = [...Object.keys(FAILING), ...HONEST_IDS];

const STRATEGIES_IN_SPEC = (await loadResolvedSpec(COORDINATOR_SPEC_PATH)).schemaEnum('Strategy') as Strategy[];

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
/** Validates requests and responses; a violation becomes Prism's own error answer. */
let strict: PrismServer;
/** Validates responses only, so that bad input reaches the coordinator. */
let lenient: PrismServer;
const workers = new Map<string, ProxiedWorker>();
/** "METHOD /path/{template}" of every operation that crossed a proxy, per spec. */
const exercised = { coordinator: new Set<string>(), worker: new Set<string>() };

beforeAll(async () => {
  // Prism is the only judge here: the services run as in production, without checking their
  // own responses. Failing workers stay in every fan-out (no ejection), and nobody is evicted
  // mid-scenario.
  coordinator = cleanup.add(await startTestCoordinator({ validateResponses: false, ejectAfterFailures: 1000, workerTtlMs: 60_000 }));
  const simulations = [
    ...Object.entries(FAILING).map(([id, { simulation }]) => [id, simulation] as const),
    ...HONEST_IDS.map((id) => [id, {}] as const),
  ];
  const [strictProxy, lenientProxy, proxiedWorkers] = await Promise.all([
    startPrismProxy(COORDINATOR_SPEC_PATH, coordinator.url),
    startPrismProxy(COORDINATOR_SPEC_PATH, coordinator.url, { validateRequest: false }),
    Promise.all(
      simulations.map(async ([id, simulation], i) => {
        const settings = { ...HONEST, ...simulation };
        const server = cleanup.add(
          await startWorkerServer(
            { id, host: '127.0.0.1', port: 0, seed: 40 + i, simulation: settings, validateResponses: false },
            silentLogger,
          ),
        );
        return { id, proxy: cleanup.add(await startPrismProxy(WORKER_SPEC_PATH, server.url)) };
      }),
    ),
  ]);
  strict = cleanup.add(strictProxy);
  lenient = cleanup.add(lenientProxy);
  for (const { id, proxy } of proxiedWorkers) {
    const membership = new Membership({
      coordinatorUrl: strict.url,
      registration: { id, endpoint: proxy.url },
      logger: silentLogger,
      heartbeatIntervalMs: 250,
    });
    cleanup.add({ close: () => membership.stop() });
    workers.set(id, { id, proxy, membership, expectedErr: FAILING[id]?.err });
  }
}, 60_000);
afterAll(() => cleanup.run());

/** Notes every operation a typed client calls (by its path template) as exercised. */
function noting<Api extends CoordinatorApi | WorkerApi>(api: Api, seen: Set<string>): Api {
  api.use({
    onRequest({ request, schemaPath }) {
      seen.add(`${request.method} ${schemaPath}`);
    },
  });
  return api;
}

/** The typed coordinator client, through a proxy. */
function viaProxy(proxy: PrismServer): CoordinatorApi {
  return noting(coordinatorApi(proxy), exercised.coordinator);
}

/** Bad input, sent by hand through a proxy: the typed client would not let it through. */
async function sendBadInput(proxy: PrismServer, method: string, path: string, options: ExchangeOptions): Promise<Exchange> {
  exercised.coordinator.add(`${method} ${path}`);
  return exchange(proxy.url, method, path, options);
}

/** The exchange went through Prism without a single remark. */
function expectConforming(reply: Exchange | Reply<unknown, unknown>): void {
  expect(prismVerdict('violations' in reply ? reply : exchangeOf(reply)), 'Prism found the exchange outside the spec').toBe('');
}

function worker(id: string): ProxiedWorker {
  const found = workers.get(id);
  if (found === undefined) throw new Error(`no worker ${id}`);
  return found;
}

async function submit(body: OracleRequestSubmission): Promise<OracleResult> {
  const reply = await viaProxy(strict).POST('/request', { body });
  expectConforming(reply);
  return expectData(reply);
}

/** Each worker's answer as the coordinator reports it: the honest ones usable, the others with their simulated failure. */
function expectBreakdownOf(result: Pick<OracleResult, 'worker_responses' | 'request_id'>, ids: readonly string[]): void {
  expect(result.worker_responses.map((response) => response.worker_id)).toEqual(ids);
  for (const response of result.worker_responses) {
    const { expectedErr } = worker(response.worker_id);
    expect(response.request_id).toBe(result.request_id);
    if (expectedErr === undefined) {
      expect(response.err, response.worker_id).toBeUndefined();
      expect(response.value).toBeGreaterThan(0);
    } else {
      expect(response, response.worker_id).toMatchObject({ err: expectedErr, value: 0, reliable: false });
    }
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe('the coordinator and its workers behind validating Prism proxies', { timeout: PRISM_TEST_TIMEOUT_MS }, () => {
  it('serves probes and metrics, and answers 503 NO_WORKERS while nobody is registered', async () => {
    const api = viaProxy(strict);
    for (const reply of [
      await api.GET('/healthz'),
      await api.GET('/readyz'),
      await api.GET('/metrics', { parseAs: 'text' }),
      await api.GET('/keys'),
    ]) {
      expectConforming(reply);
      expect(reply.response.status, reply.response.url).toBe(200);
    }
    const reply = await api.POST('/request', { body: { query: 'BTC/USD' } });
    expectConforming(reply);
    expect(expectError(reply, 503)).toMatchObject({ code: 'NO_WORKERS' });
  });

  it('answers 503 NO_USABLE_ANSWER with the breakdown when only failing workers registered', async () => {
    const failing = Object.keys(FAILING);
    // The real workers' own registration code, through the proxy, one after the other.
    for (const id of failing) await worker(id).membership.start();
    const reply = await viaProxy(strict).POST('/request', { body: { query: 'BTC/USD', timeout_ms: 3000 } });
    expectConforming(reply);
    const problem = expectError(reply, 503);
    expect(problem.code).toBe('NO_USABLE_ANSWER');
    expectBreakdownOf({ worker_responses: problem.worker_responses ?? [], request_id: problem.request_id ?? '' }, failing);
  });

  it("registers the honest workers at their proxies' endpoints", async () => {
    for (const id of HONEST_IDS) await worker(id).membership.start();
    const api = viaProxy(strict);
    const list = await api.GET('/workers');
    expectConforming(list);
    const registered = expectData(list).workers;
    expect(registered.map((entry) => [entry.id, entry.endpoint])).toEqual(REGISTRATION_ORDER.map((id) => [id, worker(id).proxy.url]));

    const one = await api.GET('/workers/{id}', { params: { path: { id: 'honest-1' } } });
    expectConforming(one);
    expect(expectData(one)).toMatchObject({ id: 'honest-1', endpoint: worker('honest-1').proxy.url });

    // Registering again under the same id keeps one entry.
    const again = await api.POST('/register', { body: { id: 'honest-1', endpoint: worker('honest-1').proxy.url } });
    expectConforming(again);
    expect(expectData(again)).toMatchObject({ status: 'registered' });
    const beat = await api.POST('/workers/{id}/heartbeat', { params: { path: { id: 'honest-1' } } });
    expectConforming(beat);
    expect(expectData(beat)).toMatchObject({ status: 'alive' });
  });

  // Every strategy the spec offers; the two with a closed form are checked exactly, and every
  // strategy must land within the range of the usable values.
  const exactly: Partial<Record<Strategy, (values: number[]) => number>> = { average: mean, median: (values) => median(values) ?? NaN };
  it.each(STRATEGIES_IN_SPEC)('aggregates with strategy %s over the proxied workers', async (strategy) => {
    const result = await submit({ query: 'ETH/USD', strategy, timeout_ms: 3000 });
    expectBreakdownOf(result, REGISTRATION_ORDER);
    const values = result.worker_responses.filter((response) => response.err === undefined).map((response) => response.value);
    expect(values).toHaveLength(HONEST_IDS.length);
    expect(result.final_value).toBeGreaterThanOrEqual(Math.min(...values));
    expect(result.final_value).toBeLessThanOrEqual(Math.max(...values));
    const formula = exactly[strategy];
    if (formula !== undefined) expect(result.final_value).toBeCloseTo(formula(values), 6);
    expect(result).toMatchObject({
      strategy,
      workers_asked: REGISTRATION_ORDER.length,
      workers_answered: HONEST_IDS.length,
      partial: false,
    });
    for (const id of Object.keys(FAILING)) expect(result.reliability_note).toContain(id);
    // Every answer above crossed a worker proxy: the registered endpoints are the proxies.
    exercised.worker.add('POST /task');
  });

  it('returns a partial result with a warning when fewer answers come back than the quorum', async () => {
    const result = await submit({ query: 'BTC/USD', min_responses: HONEST_IDS.length + 1, timeout_ms: 3000 });
    expect(result.partial).toBe(true);
    expect(result.reliability_note).toMatch(/^Warning: partial result/);
  });

  it('gives the library client a result through the proxy', async () => {
    const client = createOracleClient({ baseUrl: strict.url });
    const result = await client.submitOracleRequest('BTC/USD', { strategy: 'median', timeout_ms: 3000 });
    expect(result.workers_answered).toBe(HONEST_IDS.length);
  });

  it('keeps every answer as a round, readable through the proxy', async () => {
    const answered = await submit({ query: 'SOL/USD', timeout_ms: 3000 });
    const api = viaProxy(strict);
    const round = await api.GET('/rounds/{request_id}', { params: { path: { request_id: answered.request_id } } });
    expectConforming(round);
    expect(expectData(round).result).toEqual(answered);
    const page = await api.GET('/rounds', { params: { query: { query: 'SOL/USD', limit: 5 } } });
    expectConforming(page);
    expect(expectData(page).rounds.map((r) => r.request_id)).toEqual([answered.request_id]);
    const missing = await api.GET('/rounds/{request_id}', { params: { path: { request_id: 'never-was' } } });
    expectConforming(missing);
    expect(expectError(missing, 404)).toMatchObject({ code: 'ROUND_NOT_FOUND' });
  });

  it('defines, reads, follows and deletes a feed through the proxy', async () => {
    const api = viaProxy(strict);
    const feed = { params: { path: { feed_id: 'eth-usd' } } };
    const definition = { query: 'ETH/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 200, timeout_ms: 3000 } as const;
    const created = await api.PUT('/feeds/{feed_id}', { ...feed, body: definition });
    expectConforming(created);
    expect(expectData(created, 201).definition).toMatchObject(definition);
    await expect.poll(async () => (await api.GET('/feeds/{feed_id}/latest', feed)).response.status, { timeout: 10_000 }).toBe(200);
    for (const reply of [
      await api.GET('/feeds'),
      await api.GET('/feeds/{feed_id}', feed),
      await api.GET('/feeds/{feed_id}/latest', feed),
    ]) {
      expectConforming(reply);
      expect(reply.response.status).toBe(200);
    }
    const rounds = await api.GET('/feeds/{feed_id}/rounds', feed);
    expectConforming(rounds);
    const [first] = expectData(rounds).rounds;
    expect(first).toMatchObject({ feed_id: 'eth-usd', reason: 'first', sequence: 1 });
    // A stream never ends, so it is read directly; the proxy would wait for its end.
    const stream = await openEventStream(`${coordinator.url}/feeds/eth-usd/events`, { 'last-event-id': 'unknown-id' });
    exercised.coordinator.add('GET /feeds/{feed_id}/events');
    const [replayed] = await stream.waitFor(1);
    expect(replayed?.id).toBe(first?.round_id);
    await stream.close();
    const deleted = await api.DELETE('/feeds/{feed_id}', feed);
    expectConforming(deleted);
    expect(deleted.response.status).toBe(204);
    const gone = await api.GET('/feeds/{feed_id}', feed);
    expectConforming(gone);
    expect(expectError(gone, 404)).toMatchObject({ code: 'FEED_NOT_FOUND' });
  });

  const badInputs: {
    name: string;
    method: string;
    path: string;
    options: ExchangeOptions;
    status: number;
    code: string;
    specForbids: boolean;
  }[] = [
    {
      name: 'a query that is not BASE/QUOTE',
      method: 'POST',
      path: '/request',
      options: { json: { query: 'bitcoin' } },
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: true,
    },
    {
      name: 'an unknown strategy',
      method: 'POST',
      path: '/request',
      options: { json: { query: 'BTC/USD', strategy: 'mode' } },
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: true,
    },
    {
      name: 'a deadline under the minimum',
      method: 'POST',
      path: '/request',
      options: { json: { query: 'BTC/USD', timeout_ms: 5 } },
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: true,
    },
    {
      name: 'an extra field',
      method: 'POST',
      path: '/request',
      options: { json: { query: 'BTC/USD', surprise: true } },
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: true,
    },
    {
      name: 'a missing query',
      method: 'POST',
      path: '/request',
      options: { json: {} },
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: true,
    },
    {
      name: 'a worker id with spaces',
      method: 'POST',
      path: '/register',
      options: { json: { id: 'no spaces', endpoint: 'http://127.0.0.1:1' } },
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: true,
    },
    {
      name: 'an endpoint that is not http(s)',
      method: 'POST',
      path: '/register',
      options: { json: { id: 'w', endpoint: 'ftp://example.org' } },
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: true,
    },
    {
      name: 'a body that is not JSON',
      method: 'POST',
      path: '/request',
      options: { text: 'BTC/USD', contentType: 'text/plain' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      specForbids: true,
    },
    {
      name: 'a body over the limit',
      method: 'POST',
      path: '/request',
      options: { json: { query: 'BTC/USD', padding: 'x'.repeat(70_000) } },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      specForbids: true,
    },
    // Prism lets unknown query parameters through; the coordinator refuses them.
    {
      name: 'an unknown query parameter',
      method: 'GET',
      path: '/workers?verbose=1',
      options: {},
      status: 400,
      code: 'VALIDATION_FAILED',
      specForbids: false,
    },
  ];

  it.each(badInputs)(
    'refuses $name with a $status problem inside the spec',
    async ({ method, path, options, status, code, specForbids }) => {
      const answered = await sendBadInput(lenient, method, path, options);
      expectConforming(answered);
      expect(answered.status).toBe(status);
      expect(answered.contentType).toMatch(/^application\/problem\+json/);
      expect(answered.body).toMatchObject({ status, code });
      if (status === 400) expect((answered.body as Problem).errors?.length).toBeGreaterThan(0);

      const judged = await sendBadInput(strict, method, path, options);
      if (specForbids) {
        // The spec itself forbids this input: Prism refuses it before the coordinator sees it.
        expect(judged.status).toBe(422);
        expect(isPrismProblem(judged)).toBe(true);
      } else {
        expectConforming(judged);
        expect(judged.status).toBe(status);
      }
    },
  );

  it('answers 404 WORKER_NOT_REGISTERED for an unknown worker', async () => {
    const api = viaProxy(strict);
    const nobody = { params: { path: { id: 'nobody' } } };
    for (const reply of [
      await api.GET('/workers/{id}', nobody),
      await api.POST('/workers/{id}/heartbeat', nobody),
      await api.DELETE('/workers/{id}', nobody),
    ]) {
      expectConforming(reply);
      expect(expectError(reply, 404)).toMatchObject({ code: 'WORKER_NOT_REGISTERED' });
    }
  });

  it("lets the workers' own probes through their proxies", async () => {
    const api = noting(workerApi(worker('honest-1').proxy), exercised.worker);
    for (const reply of [await api.GET('/healthz'), await api.GET('/readyz')]) {
      expectConforming(reply);
      expect(reply.response.status, reply.response.url).toBe(200);
    }
  });

  it('deregisters every worker through the proxy', async () => {
    const api = viaProxy(strict);
    const removed = await api.DELETE('/workers/{id}', { params: { path: { id: 'honest-3' } } });
    expectConforming(removed);
    expect(removed.response.status).toBe(204);
    await Promise.all([...workers.values()].map((w) => w.membership.stop()));
    const list = await api.GET('/workers');
    expectConforming(list);
    expect(expectData(list).workers).toEqual([]);
  });

  it('crossed the proxies with no violation in either direction', async () => {
    // The strict proxy refused the bad inputs the spec forbids, and nothing else. Prism logs
    // after it answers, so give the last refusal's line a moment to arrive.
    const refusals = badInputs.filter((input) => input.specForbids).length;
    await expect.poll(() => strict.reportedProblems().length, { timeout: 5000 }).toBeGreaterThanOrEqual(refusals);
    const strictProblems = strict.reportedProblems();
    expect(
      strictProblems.filter((line) => !line.includes('#UNPROCESSABLE_ENTITY')),
      strict.output(),
    ).toEqual([]);
    expect(strictProblems).toHaveLength(refusals);
    expect(lenient.reportedProblems(), lenient.output()).toEqual([]);
    for (const { id, proxy } of workers.values()) expect(proxy.reportedProblems(), `${id}: ${proxy.output()}`).toEqual([]);
  });

  it('exercised every operation of both specs through a proxy', async () => {
    const [coordinatorSpec, workerSpec] = await Promise.all([loadResolvedSpec(COORDINATOR_SPEC_PATH), loadResolvedSpec(WORKER_SPEC_PATH)]);
    const missing = (operations: SpecOperation[], seen: Set<string>) =>
      operations
        .map((operation) => `${operation.method} ${operation.path}`)
        .filter((operation) => ![...seen].some((call) => call.split('?')[0] === operation));
    expect(
      missing(coordinatorSpec.operations(), exercised.coordinator),
      'coordinator operations this scenario never sent through a proxy',
    ).toEqual([]);
    expect(missing(workerSpec.operations(), exercised.worker), 'worker operations this scenario never sent through a proxy').toEqual([]);
  });
});
