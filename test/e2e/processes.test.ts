import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/process/free-port.ts';
import { coordinatorApi, expectData, expectError, registeredWorkers, submitRequest } from '../helpers/clients.ts';
import { Cleanup, register, startTestCoordinator, startTestWorker } from '../helpers/network.ts';
import { killAll, spawnService } from '../helpers/processes.ts';

const cleanup = new Cleanup();
afterEach(async () => {
  await killAll();
  await cleanup.run();
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

function spawnWorker(id: string, port: number, coordinatorUrl: string, ...extra: string[]) {
  return spawnService('worker', [
    '--id',
    id,
    '--port',
    String(port),
    '--coordinator',
    coordinatorUrl,
    '--failure-rate',
    '0',
    '--min-delay-ms',
    '0',
    '--max-delay-ms',
    '5',
    ...extra,
  ]);
}

const isRegistered = (url: string, id: string, endpoint?: string) => async () =>
  (await registeredWorkers(url)).some((w) => w.id === id && (endpoint === undefined || w.endpoint === endpoint));

describe('workers that die, restart and leave (real processes)', () => {
  it(
    'excludes a worker killed with SIGKILL mid-request within the deadline, then evicts it after the TTL',
    { timeout: 30_000 },
    async () => {
      const coordinator = cleanup.add(await startTestCoordinator({ workerTtlMs: 800, sweepIntervalMs: 50 }));
      const steady = cleanup.add(await startTestWorker('steady'));
      await register(coordinator.url, 'steady', steady.url);
      // An in-process worker has no heartbeat loop of its own; keep it fresh by hand.
      const heartbeats = setInterval(
        () => void coordinatorApi(coordinator).POST('/workers/{id}/heartbeat', { params: { path: { id: 'steady' } } }),
        100,
      );
      cleanup.defer(() => clearInterval(heartbeats));
      const doomed = spawnWorker(
        'doomed',
        await freePort(),
        coordinator.url,
        '--min-delay-ms',
        '1500',
        '--max-delay-ms',
        '1500',
        '--heartbeat-interval-ms',
        '200',
      );
      await waitFor(isRegistered(coordinator.url, 'doomed'), 15_000);

      const started = Date.now();
      const pending = submitRequest(coordinator.url, { query: 'BTC/USD', timeout_ms: 1000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      doomed.child.kill('SIGKILL');
      const killedAt = Date.now();
      const reply = await pending;
      expect(Date.now() - started).toBeLessThan(1000 + 250);
      const result = expectData(reply);
      const dead = result.worker_responses.find((r) => r.worker_id === 'doomed');
      expect(dead).toMatchObject({ reliable: false, value: 0 });
      expect(dead?.err).toMatch(/^(transport error|unreachable|timed out)/);
      expect(result.final_value).toBe(result.worker_responses.find((r) => r.worker_id === 'steady')?.value);

      await waitFor(async () => !(await isRegistered(coordinator.url, 'doomed')()), 5000);
      // Eviction waits for the TTL: its last heartbeat came about one interval (200 ms) before the
      // kill, two at worst on a busy machine.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(800 - 2 * 200);
      expect((await registeredWorkers(coordinator.url)).map((w) => w.id)).toEqual(['steady']);
    },
  );

  it('keeps one entry for a worker restarted on a new port under the same id, and reaches it there', { timeout: 30_000 }, async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    const first = spawnWorker('phoenix', firstPort, coordinator.url);
    await waitFor(isRegistered(coordinator.url, 'phoenix', `http://127.0.0.1:${firstPort}`), 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    spawnWorker('phoenix', secondPort, coordinator.url);
    await waitFor(isRegistered(coordinator.url, 'phoenix', `http://127.0.0.1:${secondPort}`), 15_000);
    expect((await registeredWorkers(coordinator.url)).filter((w) => w.id === 'phoenix')).toHaveLength(1);
    expect(expectData(await submitRequest(coordinator.url, { query: 'BTC/USD' })).worker_responses).toEqual([
      expect.objectContaining({ worker_id: 'phoenix', reliable: true }),
    ]);
  });

  it('gets every worker back within one heartbeat interval after a coordinator restart', { timeout: 30_000 }, async () => {
    const port = await freePort();
    let coordinator = await startTestCoordinator({ port });
    const url = coordinator.url;
    const interval = 400;
    for (const id of ['w1', 'w2']) spawnWorker(id, await freePort(), url, '--heartbeat-interval-ms', String(interval));
    await waitFor(async () => (await registeredWorkers(url)).length === 2, 15_000);
    await coordinator.close();

    coordinator = cleanup.add(await startTestCoordinator({ port }));
    expect(await registeredWorkers(url)).toEqual([]);
    const back = await waitFor(async () => (await registeredWorkers(url)).length === 2, 5000);
    expect(back).toBeLessThanOrEqual(interval + 300);
    expect(expectData(await submitRequest(url, { query: 'ETH/USD' })).workers_answered).toBe(2);
  });

  it('removes a worker from the registry at once when it gets SIGTERM', { timeout: 30_000 }, async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ workerTtlMs: 60_000 }));
    const leaving = spawnWorker('leaving', await freePort(), coordinator.url);
    await waitFor(isRegistered(coordinator.url, 'leaving'), 15_000);
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toBe(0);
    expect(await registeredWorkers(coordinator.url)).toEqual([]);
    expect(leaving.lines.some((line) => line.includes('deregistered from the coordinator'))).toBe(true);
  });
});

describe('coordinator shutdown (real process)', () => {
  it('drains in-flight requests on SIGTERM and refuses new ones meanwhile', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const coordinator = spawnService('coordinator', ['--port', String(port), '--shutdown-grace-ms', '5000']);
    const url = `http://127.0.0.1:${port}`;
    await coordinator.waitForLine(/coordinator listening/);
    const slow = cleanup.add(await startTestWorker('slow', { minDelayMs: 600, maxDelayMs: 600 }));
    await register(url, 'slow', slow.url);

    const inFlight = submitRequest(url, { query: 'BTC/USD' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    coordinator.child.kill('SIGTERM');
    await coordinator.waitForLine(/shutting down/);
    expect(expectError(await submitRequest(url, { query: 'BTC/USD' }), 503)).toMatchObject({ code: 'SHUTTING_DOWN' });

    expect(expectData(await inFlight).worker_responses[0]).toMatchObject({ worker_id: 'slow', reliable: true });
    expect(await coordinator.exited).toBe(0);
    await expect(coordinatorApi(url).GET('/healthz')).rejects.toThrow();
  });
});
