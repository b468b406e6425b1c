/**
 * `as_of` in exactly the form the spec's `date-time` (RFC 3339 section 5.6) allows: other
 * spellings that the validator lets through (a space for the "T", an offset without a colon)
 * are refused with a 400 by both services, and the coordinator passes on and echoes one
 * spelling, UTC with milliseconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorServer } from '../../src/coordinator/server.ts';
import type { WorkerServer } from '../../src/worker/server.ts';
import { coordinatorApi, expectData, expectError, workerApi } from '../helpers/clients.ts';
import { startAnsweringWorker, type FakeWorker } from '../helpers/fake-workers.ts';
import { register, startTestCoordinator, startTestWorker } from '../helpers/network.ts';

let coordinator: CoordinatorServer;
let fake: FakeWorker;
let worker: WorkerServer;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
  fake = await startAnsweringWorker('fake', 1);
  worker = await startTestWorker('worker-1');
  await register(coordinator.url, 'fake', fake.url);
});
afterAll(async () => {
  await coordinator.close();
  await fake.close();
  await worker.close();
});

const NOT_RFC_3339 = ['2026-11-29 17:40:00Z', '2026-11-29T17:40:00+0530', '2026-11-29T17:40:00+05', '2026-11-29\n17:40:00Z'];

describe('as_of', () => {
  it.each(NOT_RFC_3339)('refuses %j on POST /request with a 400 problem', async (asOf) => {
    const problem = expectError(await coordinatorApi(coordinator).POST('/request', { body: { query: 'BTC/USD', as_of: asOf } }), 400);
    expect(problem).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ path: '/body/as_of' })] });
  });

  it.each(NOT_RFC_3339)('refuses %j on POST /task with a 400 problem', async (asOf) => {
    const problem = expectError(await workerApi(worker).POST('/task', { body: { id: 'r1', query: 'BTC/USD', as_of: asOf } }), 400);
    expect(problem).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ path: '/body/as_of' })] });
  });

  it.each([
    ['2026-11-29t18:40:00+01:00', '2026-11-29T17:40:00.000Z'],
    ['2026-11-29T17:40:00.123456z', '2026-11-29T17:40:00.123Z'],
    ['2026-06-30T23:59:60Z', '2026-06-30T23:59:59.999Z'],
  ])('passes %j on to the workers and echoes it as %j', async (asOf, normalised) => {
    const before = fake.tasks.length;
    const result = expectData(await coordinatorApi(coordinator).POST('/request', { body: { query: 'BTC/USD', as_of: asOf } }));
    expect(result.as_of).toBe(normalised);
    expect(fake.tasks.slice(before).map((task) => task.as_of)).toEqual([normalised]);
  });
});
