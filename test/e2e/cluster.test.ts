import { describe, expect, it } from 'vitest';
import { createOracleClient, verifyOracleResult } from '../../src/client/client.ts';
import { LOCAL_FEEDS_FILE, startCluster } from '../../src/cluster/cluster.ts';
import { freePort } from '../../src/process/free-port.ts';
import { coordinatorApi } from '../helpers/clients.ts';
import { TEST_CONFIG_HOME } from '../helpers/temporary.ts';
import { join } from 'node:path';

describe('npm start: the local cluster', () => {
  it('brings up a coordinator with three self-registered worker processes, answers, and stops them all', { timeout: 60_000 }, async () => {
    const coordinatorPort = await freePort();
    const lines: string[] = [];
    const cluster = await startCluster({
      host: '127.0.0.1',
      coordinatorPort,
      firstWorkerPort: 0,
      workers: 3,
      seed: 11,
      logLevel: 'info',
      logFormat: 'pretty',
      output: (line) => lines.push(line),
      env: { WORKER_FAILURE_RATE: '0', WORKER_MAX_DELAY_MS: '20' },
      feedsFile: LOCAL_FEEDS_FILE,
      keyDir: join(TEST_CONFIG_HOME, 'oracle-network'),
    });
    try {
      const client = createOracleClient({ baseUrl: cluster.coordinatorUrl });
      expect((await client.listWorkers()).map((w) => w.id).sort()).toEqual(['worker-1', 'worker-2', 'worker-3']);
      expect((await client.listFeeds()).map((f) => [f.feed_id, f.definition.query, f.definition.deviation_bps])).toEqual([
        ['btc-usd', 'BTC/USD', 50],
        ['eth-usd', 'ETH/USD', 50],
      ]);
      const result = await client.submitOracleRequest('BTC/USD');
      const values = result.worker_responses.filter((r) => r.err === undefined).map((r) => r.value);
      expect(values).toHaveLength(3);
      expect(result.final_value).toBeCloseTo(values.reduce((a, b) => a + b) / values.length, 6);
      // Each worker has its own key, and the coordinator a configured one, so signatures are required.
      expect(verifyOracleResult(result, await client.getKeys())).toEqual({ valid: true, failures: [] });
      const workers = await client.listWorkers();
      expect(new Set(workers.map((w) => w.key_id)).size).toBe(3);
      expect(lines.some((line) => /coordinator\s+INFO\s+worker registered worker_id=worker-2/.test(line))).toBe(true);
      expect(lines.some((line) => line.includes(`request_id=${result.request_id}`))).toBe(true);
    } finally {
      await cluster.stop();
    }
    await expect(coordinatorApi(cluster.coordinatorUrl).GET('/workers')).rejects.toThrow();
  });
});
