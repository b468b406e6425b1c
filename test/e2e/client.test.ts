import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleClient } from '../../src/client/client.ts';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { OracleResult } from '../../src/contract/models.ts';
import { ProblemResponseError } from '../../src/http/problems.ts';
import { runClient } from '../helpers/run-program.ts';
import { Cleanup, register, startTestCoordinator, startTestWorker } from '../helpers/network.ts';

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;
let empty: CoordinatorServer;

beforeAll(async () => {
  coordinator = cleanup.add(await startTestCoordinator());
  empty = cleanup.add(await startTestCoordinator());
  for (const id of ['worker-1', 'worker-2']) {
    const worker = cleanup.add(await startTestWorker(id));
    await register(coordinator.url, id, worker.url);
  }
});
afterAll(() => cleanup.run());

describe('submitOracleRequest', () => {
  it('returns the typed OracleResult with the requested strategy', async () => {
    const client = createOracleClient({ baseUrl: coordinator.url });
    const result = await client.submitOracleRequest('ETH/USD', { strategy: 'median', timeout_ms: 1500 });
    expect(result.strategy).toBe('median');
    expect(result.query).toBe('ETH/USD');
    expect(result.worker_responses).toHaveLength(2);
  });

  it("throws the coordinator's problem", async () => {
    const client = createOracleClient({ baseUrl: empty.url });
    const error = await client.submitOracleRequest('BTC/USD').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemResponseError);
    expect((error as ProblemResponseError).problem).toMatchObject({ status: 503, code: 'NO_WORKERS' });
  });

  it('throws validation problems with their field errors', async () => {
    const client = createOracleClient({ baseUrl: coordinator.url });
    const error = (await client.submitOracleRequest('bitcoin').catch((e: unknown) => e)) as ProblemResponseError;
    expect(error.status).toBe(400);
    expect(error.problem.errors?.[0]?.path).toBe('/body/query');
  });

  it('lists the registered workers', async () => {
    const client = createOracleClient({ baseUrl: coordinator.url });
    expect((await client.listWorkers()).map((w) => w.id)).toEqual(['worker-1', 'worker-2']);
  });
});

describe('npm run client', () => {
  it('prints the final value, the note and a per-worker table', async () => {
    const { code, stdout } = await runClient('BTC/USD', '--coordinator', coordinator.url, '--strategy', 'median');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^BTC\/USD: [\d,]+\.\d{2} \(median\)$/);
    expect(lines).toContain('All workers responded successfully');
    expect(stdout).toMatch(/worker\s+value\s+deviation\s+response time\s+status/);
    expect(stdout).toMatch(/worker-1\s+[\d,.]+\s+[+-]\d+\.\d{3}%\s+\S+\s+ok/);
  });

  it('prints the raw result with --json', async () => {
    const { code, stdout } = await runClient('BTC/USD', '--coordinator', coordinator.url, '--json', '--timeout-ms', '1500');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as OracleResult;
    expect(result.worker_responses.map((r) => r.worker_id).sort()).toEqual(['worker-1', 'worker-2']);
  });

  it("prints a problem's title and detail and exits non-zero", async () => {
    const { code, stderr } = await runClient('BTC/USD', '--coordinator', empty.url);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^No workers registered \(HTTP 503\): No worker is registered/);
  });

  it('rejects a bad flag with a usage error', async () => {
    const { code, stderr } = await runClient('BTC/USD', '--strategy', 'mode');
    expect(code).toBe(2);
    expect(stderr).toContain('--strategy: must be one of average, median, majority');
  });
});
