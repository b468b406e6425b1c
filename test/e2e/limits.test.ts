/** The coordinator's limits: registry size, per-client rates, and the size of a worker's answer. */
import { afterEach, describe, expect, it } from 'vitest';
import { coordinatorApi, expectData, expectError } from '../helpers/clients.ts';
import { startAnsweringWorker, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator } from '../helpers/network.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('limits', () => {
  it('refuses a new worker once the registry is full, but lets a known one re-register', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ maxWorkers: 2 }));
    await register(coordinator.url, 'a', 'http://127.0.0.1:1');
    await register(coordinator.url, 'b', 'http://127.0.0.1:2');
    const api = coordinatorApi(coordinator);
    const full = await api.POST('/register', { body: { id: 'c', endpoint: 'http://127.0.0.1:3' } });
    expect(expectError(full, 409).code).toBe('REGISTRY_FULL');
    expect((await api.POST('/register', { body: { id: 'a', endpoint: 'http://127.0.0.1:4' } })).response.status).toBe(200);
  });

  it('answers 429 with Retry-After once a client passes its per-minute limit', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ requestRateLimit: 3, registerRateLimit: 2 }));
    const api = coordinatorApi(coordinator);
    const submit = () => api.POST('/request', { body: { query: 'BTC/USD' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await submit()).response.status);
    expect(statuses).toEqual([503, 503, 503, 429]);
    const limited = await submit();
    expect(expectError(limited, 429)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(0);
    const registrations = [];
    for (let i = 0; i < 3; i++)
      registrations.push((await api.POST('/register', { body: { id: `w${i}`, endpoint: 'http://127.0.0.1:1' } })).response.status);
    expect(registrations).toEqual([200, 200, 429]);
  });

  it('excludes a worker whose answer is larger than the cap, and does not wait for all of it', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const huge = cleanup.add(
      await startFakeWorker((task, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = 'x'.repeat(64 * 1024);
        // 10 MiB of padding in a string field, streamed without a length.
        res.write(`{"worker_id":"huge","request_id":"${task.id}","value":1,"response_time":"1ms","reliable":true,"pad":"`);
        for (let i = 0; i < 160; i++) res.write(chunk);
        res.end('"}');
      }),
    );
    const honest = cleanup.add(await startAnsweringWorker('honest', 7));
    await register(coordinator.url, 'huge', huge.url);
    await register(coordinator.url, 'honest', honest.url);
    const result = expectData(await coordinatorApi(coordinator).POST('/request', { body: { query: 'BTC/USD' } }));
    expect(result.final_value).toBe(7);
    expect(result.worker_responses.find((r) => r.worker_id === 'huge')).toMatchObject({
      err: 'answer larger than 65536 bytes',
      reliable: false,
    });
  });
});
