/**
 * Registering a "worker" chooses where the coordinator sends requests. These tests check that
 * it cannot be pointed at cloud metadata, link-local or unlisted addresses, by IP literal or
 * through DNS, and that credentials and non-HTTP schemes are refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCoordinatorServer } from '../../src/coordinator/server.ts';
import { DEFAULT_COORDINATOR_CONFIG } from '../../src/coordinator/config.ts';
import { fakeResolver } from '../helpers/fake-dns.ts';
import { coordinatorApi, expectData, expectError, registeredWorkers, type Target } from '../helpers/clients.ts';
import { Cleanup, register, silentLogger, startTestCoordinator, startTestWorker } from '../helpers/network.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function registerAt(coordinator: Target, id: string, endpoint: string) {
  return coordinatorApi(coordinator).POST('/register', { body: { id, endpoint } });
}

describe('worker endpoints at registration', () => {
  it.each([
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data', /never allowed/],
    ['a link-local IPv6 address', 'http://[fe80::1]:8081', /never allowed/],
    ['an IPv4-mapped metadata address', 'http://[::ffff:169.254.169.254]/', /never allowed/],
    ['the unspecified address', 'http://0.0.0.0:8081', /never allowed/],
    ['a public address outside the allowlist', 'http://8.8.8.8:80', /outside the allowed worker networks/],
    ['credentials in the URL', 'http://admin:secret@127.0.0.1:8081', /must not carry credentials/],
    ['a file: URL', 'file:///etc/passwd', /.+/],
    ['a gopher: URL', 'gopher://127.0.0.1:70/_stats', /.+/],
  ])('refuses %s with 400 and leaves the registry alone', async (_name, endpoint, reason) => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const problem = expectError(await registerAt(coordinator, 'intruder', endpoint), 400);
    expect(problem).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(problem.errors?.some((e) => e.path === '/body/endpoint' && reason.test(e.message))).toBe(true);
    expect(await registeredWorkers(coordinator)).toEqual([]);
  });

  it('accepts loopback and private addresses, and any public one when the allowlist says *', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    for (const endpoint of ['http://127.0.0.1:8081', 'http://10.1.2.3:8081', 'http://[::1]:8081', 'http://worker.internal:8081']) {
      expect((await registerAt(coordinator, 'w', endpoint)).response.status).toBe(200);
    }
    expect((await registerAt(coordinator, 'w', 'http://8.8.8.8:80')).response.status).toBe(400);
    const open = cleanup.add(await startTestCoordinator({ allowedWorkerNetworks: ['*'] }));
    expect((await registerAt(open, 'w', 'http://8.8.8.8:80')).response.status).toBe(200);
    expect((await registerAt(open, 'w', 'http://169.254.169.254/')).response.status).toBe(400);
  });
});

describe('worker hostnames at dispatch', () => {
  it('refuses to connect to a hostname that resolves to the metadata address, and connects to one that resolves well', async () => {
    const worker = cleanup.add(await startTestWorker('good'));
    const port = new URL(worker.url).port;
    const coordinator = cleanup.add(
      await startCoordinatorServer({ ...DEFAULT_COORDINATOR_CONFIG, port: 0, validateResponses: true }, silentLogger, {
        resolve: fakeResolver({ 'metadata.test': '169.254.169.254', 'good.test': '127.0.0.1', 'rebound.test': '::ffff:169.254.169.254' }),
      }),
    );
    await register(coordinator.url, 'good', `http://good.test:${port}`);
    await register(coordinator.url, 'evil', 'http://metadata.test:80');
    await register(coordinator.url, 'sneaky', 'http://rebound.test:80');
    const result = expectData(await coordinatorApi(coordinator).POST('/request', { body: { query: 'BTC/USD', timeout_ms: 2000 } }));
    const byId = new Map(result.worker_responses.map((r) => [r.worker_id, r]));
    expect(byId.get('good')).toMatchObject({ reliable: true });
    expect(byId.get('evil')?.err).toMatch(
      /^refused: worker host metadata\.test resolves to a refused address: address 169\.254\.169\.254 is never allowed/,
    );
    expect(byId.get('sneaky')?.err).toMatch(/^refused: worker host rebound\.test resolves to a refused address/);
    expect(result.workers_answered).toBe(1);
  });
});
