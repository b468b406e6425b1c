/**
 * The production build: `npm run build` gives plain JavaScript in dist/ that runs on node alone,
 * with no loader, reads its specs and assets from beside itself, and answers like the sources.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/process/free-port.ts';
import { fileURLToPath } from 'node:url';
import { spawnBuilt } from '../helpers/processes.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run build', () => {
  it('compiles the services to dist/, which run with node and no loader', { timeout: 90_000 }, async () => {
    await run('npm', ['run', 'build'], { cwd: REPO_ROOT, timeout: 60_000 });
    const port = await freePort();
    const coordinator = spawnBuilt('coordinator', ['--port', String(port)]);
    await coordinator.waitForLine(/coordinator listening/);
    const url = `http://127.0.0.1:${port}`;
    const worker = spawnBuilt('worker', ['--id', 'built-1', '--port', '0', '--coordinator', url, '--failure-rate', '0']);
    await worker.waitForLine(/successfully registered/);
    const answer = await fetch(`${url}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"BTC/USD"}',
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { worker_responses: unknown[] }).worker_responses).toHaveLength(1);
    // The docs and the specs are read from beside the build.
    expect((await fetch(`${url}/docs/coordinator`)).status).toBe(200);
    expect((await fetch(`${url}/openapi/coordinator.yaml`)).status).toBe(200);
    for (const service of [worker, coordinator]) {
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    }
  });
});
