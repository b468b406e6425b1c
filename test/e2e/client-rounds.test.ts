/** The client library and CLI on the history: --max-age-ms, `history` and `round`, as a user runs them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleClient } from '../../src/client/client.ts';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import { ProblemResponseError } from '../../src/http/problems.ts';
import { runClient } from '../helpers/run-program.ts';
import { Cleanup, register, startTestCoordinator, startTestWorker } from '../helpers/network.ts';

const cleanup = new Cleanup();
let coordinator: CoordinatorServer;

beforeAll(async () => {
  coordinator = cleanup.add(await startTestCoordinator());
  for (const id of ['worker-1', 'worker-2']) {
    const worker = cleanup.add(await startTestWorker(id));
    await register(coordinator.url, id, worker.url);
  }
});
afterAll(() => cleanup.run());

describe('the client library on rounds', () => {
  it('reads back a round, and pages the history', async () => {
    const client = createOracleClient({ baseUrl: coordinator.url });
    const answered = await client.submitOracleRequest('SOL/USD', { strategy: 'median' });
    expect((await client.getRound(answered.request_id)).result).toEqual(answered);
    await client.submitOracleRequest('SOL/USD');
    const page = await client.listRounds({ query: 'SOL/USD', limit: 1 });
    expect(page.rounds).toHaveLength(1);
    expect(page.next).toBeDefined();
    const older = await client.listRounds({ query: 'SOL/USD', limit: 1, before: page.next });
    expect(older.rounds[0]?.request_id).toBe(answered.request_id);
    const missing = await client.getRound('never-was').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProblemResponseError);
    expect((missing as ProblemResponseError).problem.code).toBe('ROUND_NOT_FOUND');
  });
});

describe('npm run client on rounds', () => {
  it('says where an answer came from and how old it is', async () => {
    const first = await runClient('LINK/USD', '--coordinator', coordinator.url, '--max-age-ms', '60000');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^request \S+, fresh from the workers$/m);
    const second = await runClient('LINK/USD', '--coordinator', coordinator.url, '--max-age-ms', '60000');
    expect(second.stdout).toMatch(/^request \S+, served from history \(\d+ ms old\)$/m);
  });

  it('prints recent rounds as a table, and one round with its worker breakdown', async () => {
    const client = createOracleClient({ baseUrl: coordinator.url });
    const answered = await client.submitOracleRequest('XAU/USD');
    const history = await runClient('history', 'XAU/USD', '--coordinator', coordinator.url, '--limit', '5');
    expect(history.code).toBe(0);
    const [header, row] = history.stdout.split('\n');
    expect(header).toMatch(/^finished\s+round\s+query\s+strategy\s+outcome\s+value\s+answered$/);
    expect(row).toContain(answered.request_id);
    expect(row).toMatch(/XAU\/USD\s+average\s+complete\s+[\d,.]+\s+2\/2$/);

    const round = await runClient('round', answered.request_id, '--coordinator', coordinator.url);
    expect(round.code).toBe(0);
    expect(round.stdout).toContain(`round ${answered.request_id}: XAU/USD, complete`);
    expect(round.stdout).toMatch(/^worker-1\s+[\d,.]+\s+[+-]\d\.\d{3}%\s+\S+\s+ok$/m);
    expect(round.stdout).toMatch(/^worker-2\s/m);
  });

  it('exits 1 with the problem for an unknown round, and 2 on a usage error', async () => {
    const missing = await runClient('round', 'never-was', '--coordinator', coordinator.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Round not found (HTTP 404)');
    const usage = await runClient('round', '--coordinator', coordinator.url);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('round takes one round id');
  });
});
