/**
 * Worker identity and signed observations over real HTTP: key binding, signed worker calls,
 * signed answers and the coordinator's signed reports, verified by the client library, the CLI
 * and an independent verifier that knows only the spec.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createOracleClient, verifyOracleResult } from '../../src/client/client.ts';
import type { OracleResult } from '../../src/contract/models.ts';
import { COORDINATOR_SPEC_PATH } from '../../src/contract/spec-paths.ts';
import { generateSigningKey } from '../../src/signing/ed25519.ts';
import { coordinatorApi, expectData, expectError, submitRequest } from '../helpers/clients.ts';
import { answerOf, replyJson, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, startTestCoordinator, startTestWorker } from '../helpers/network.ts';
import { runClient } from '../helpers/run-program.ts';
import { registerSigned, signedAnswerOf, signedDeregisterHeaders, signedHeartbeatHeaders } from '../helpers/signing.ts';
import { temporaryDirectory } from '../helpers/temporary.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const run = promisify(execFile);

describe('worker keys', () => {
  it('binds an id to its first key: another key is refused with 409, and the first endpoint stays', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const api = coordinatorApi(coordinator);
    const first = generateSigningKey();
    expectData(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9001' }, first));
    const intruder = generateSigningKey();
    const refused = expectError(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9666' }, intruder), 409);
    expect(refused.code).toBe('WORKER_KEY_MISMATCH');
    expect(refused.detail).toContain('re-key');
    // Nor may it register without a key, or with the right key but a signature of its own.
    expect(expectError(await api.POST('/register', { body: { id: 'worker-1', endpoint: 'http://127.0.0.1:9666' } }), 409).code).toBe(
      'WORKER_KEY_MISMATCH',
    );
    const forged = await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9666' }, first, { signer: intruder });
    expect(expectError(forged, 401).code).toBe('BAD_SIGNATURE');
    const shown = expectData(await api.GET('/workers/{id}', { params: { path: { id: 'worker-1' } } }));
    expect(shown).toMatchObject({ endpoint: 'http://127.0.0.1:9001', key_id: first.publicKey.keyId });
    // The key's own signature may move it.
    expectData(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9002' }, first));
    expect(expectData(await api.GET('/workers/{id}', { params: { path: { id: 'worker-1' } } })).endpoint).toBe('http://127.0.0.1:9002');
    // The binding outlives the registration: deregistered, the id still takes only its key.
    const bye = await api.DELETE('/workers/{id}', {
      params: { path: { id: 'worker-1' } },
      headers: signedDeregisterHeaders(first, 'worker-1'),
    });
    expect(bye.response.status).toBe(204);
    expect(expectError(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9666' }, intruder), 409).code).toBe(
      'WORKER_KEY_MISMATCH',
    );
    const keys = expectData(await api.GET('/keys')).keys;
    expect(keys.filter((k) => k.oracle_role === 'coordinator')).toHaveLength(1);
    expect(keys.filter((k) => k.oracle_role === 'worker')).toEqual([
      expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', kid: first.publicKey.keyId, worker_id: 'worker-1', use: 'sig' }),
    ]);
  });

  it('answers 401 to a heartbeat or deregistration with a bad signature, an old timestamp or a replayed nonce, and changes nothing', async () => {
    const coordinator = cleanup.add(await startTestCoordinator());
    const api = coordinatorApi(coordinator);
    const key = generateSigningKey();
    const endpoint = 'http://127.0.0.1:9001';
    expectData(await registerSigned(coordinator, { id: 'worker-1', endpoint }, key));
    const lastSeen = async () => expectData(await api.GET('/workers/{id}', { params: { path: { id: 'worker-1' } } })).last_seen;
    const before = await lastSeen();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const beat = (headers: Record<string, string>) =>
      api.POST('/workers/{id}/heartbeat', { params: { path: { id: 'worker-1' } }, body: { endpoint }, headers });
    const other = generateSigningKey();
    const replayed = signedHeartbeatHeaders(key, 'worker-1', endpoint);
    expectData(await beat(replayed));
    const refreshed = await lastSeen();
    expect(refreshed > before).toBe(true);
    for (const [what, headers, detail] of [
      ['unsigned', {}, /sign this call/],
      ['signed by another key', signedHeartbeatHeaders(other, 'worker-1', endpoint), /does not verify/],
      [
        'signed a minute ago',
        signedHeartbeatHeaders(key, 'worker-1', endpoint, Date.now() - 60_000),
        /60 s away from the coordinator's clock/,
      ],
      ['signed over another endpoint', signedHeartbeatHeaders(key, 'worker-1', 'http://127.0.0.1:9666'), /does not verify/],
      ['replayed', replayed, /replay/],
    ] as const) {
      const problem = expectError(await beat(headers), 401);
      expect(problem.code, what).toBe('BAD_SIGNATURE');
      expect(problem.detail, what).toMatch(detail);
    }
    expect(await lastSeen()).toBe(refreshed);
    const deregister = (headers: Record<string, string>) => api.DELETE('/workers/{id}', { params: { path: { id: 'worker-1' } }, headers });
    const goodbye = signedDeregisterHeaders(key, 'worker-1');
    for (const headers of [{}, signedDeregisterHeaders(other, 'worker-1'), signedDeregisterHeaders(key, 'worker-1', Date.now() - 40_000)]) {
      expect(expectError(await deregister(headers), 401).code).toBe('BAD_SIGNATURE');
    }
    expect(await lastSeen()).toBe(refreshed);
    expect((await deregister(goodbye)).response.status).toBe(204);
    expectData(await registerSigned(coordinator, { id: 'worker-1', endpoint }, key));
    expect(expectError(await deregister(goodbye), 401).detail).toMatch(/replay/);
    expect(await lastSeen()).toBeDefined();
  });

  it('lets no holder of the shared token take over a keyed id, and lets the operator re-key it', async () => {
    const token = 'shared-registration-token';
    const coordinator = cleanup.add(await startTestCoordinator({ registrationToken: token, adminToken: 'admin' }));
    const api = coordinatorApi(coordinator, token);
    const owner = generateSigningKey();
    expectData(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9001' }, owner, { token }));
    const thief = generateSigningKey();
    expect(
      expectError(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9666' }, thief, { token }), 409).code,
    ).toBe('WORKER_KEY_MISMATCH');
    expect(expectError(await api.POST('/workers/{id}/heartbeat', { params: { path: { id: 'worker-1' } }, body: {} }), 401).code).toBe(
      'BAD_SIGNATURE',
    );
    expect(expectError(await api.DELETE('/workers/{id}', { params: { path: { id: 'worker-1' } } }), 401).code).toBe('BAD_SIGNATURE');
    expect(expectData(await api.GET('/workers/{id}', { params: { path: { id: 'worker-1' } } })).endpoint).toBe('http://127.0.0.1:9001');
    // The operator removes the id and its key; the worker comes back with a new key.
    const admin = coordinatorApi(coordinator, 'admin');
    expect((await admin.DELETE('/workers/{id}', { params: { path: { id: 'worker-1' } } })).response.status).toBe(204);
    const renewed = generateSigningKey();
    expectData(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9003' }, renewed, { token }));
    expect(expectData(await api.GET('/workers/{id}', { params: { path: { id: 'worker-1' } } })).key_id).toBe(renewed.publicKey.keyId);
  });

  it('with pinned keys, admits exactly the pinned workers with their keys, and needs no token for a signed call', async () => {
    const dir = cleanup.add(await temporaryDirectory());
    const pinned = generateSigningKey();
    const file = join(dir.path, 'trusted.yaml');
    await writeFile(file, `workers:\n  worker-1: ${pinned.publicKey.raw}\n`);
    const { loadTrustedWorkers } = await import('../../src/coordinator/trusted-workers.ts');
    const coordinator = cleanup.add(await startTestCoordinator({ registrationToken: 'token', trustedWorkers: loadTrustedWorkers(file) }));
    expectData(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9001' }, pinned));
    const stranger = generateSigningKey();
    expect(expectError(await registerSigned(coordinator, { id: 'worker-2', endpoint: 'http://127.0.0.1:9002' }, stranger), 403).code).toBe(
      'WORKER_NOT_TRUSTED',
    );
    expect(expectError(await registerSigned(coordinator, { id: 'worker-1', endpoint: 'http://127.0.0.1:9002' }, stranger), 409).code).toBe(
      'WORKER_KEY_MISMATCH',
    );
    // Without a signature, the token is still asked for.
    expect(
      expectError(await coordinatorApi(coordinator).POST('/register', { body: { id: 'worker-1', endpoint: 'http://x' } }), 401).code,
    ).toBe('UNAUTHORIZED');
    const keys = expectData(await coordinatorApi(coordinator).GET('/keys')).keys;
    expect(keys.filter((k) => k.oracle_role === 'worker').map((k) => [k.worker_id, k.kid])).toEqual([['worker-1', pinned.publicKey.keyId]]);
  });

  it('requires keys when told to: a registration without one is refused', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ requireSignatures: 'on' }));
    const refused = expectError(
      await coordinatorApi(coordinator).POST('/register', { body: { id: 'w', endpoint: 'http://127.0.0.1:9001' } }),
      401,
    );
    expect(refused.code).toBe('BAD_SIGNATURE');
    expect(refused.detail).toContain('requires worker keys');
  });
});

describe('signed observations', () => {
  it('excludes answers with another worker’s signature, a signature over another value, a truncated one or none, saying why', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ requireSignatures: 'on' }));
    const keys = {
      honest: generateSigningKey(),
      thief: generateSigningKey(),
      liar: generateSigningKey(),
      truncator: generateSigningKey(),
      silent: generateSigningKey(),
    };
    const behaviours = {
      honest: (task) => signedAnswerOf('honest', task, 100, keys.honest),
      thief: (task) => ({ ...signedAnswerOf('honest', task, 100, keys.honest), worker_id: 'thief' }),
      liar: (task) => ({ ...signedAnswerOf('liar', task, 100, keys.liar), value: 250 }),
      truncator: (task) => {
        const signed = signedAnswerOf('truncator', task, 100, keys.truncator);
        return { ...signed, signature: signed.signature?.slice(0, 40) };
      },
      silent: (task) => answerOf('silent', task, 100),
    } satisfies Record<keyof typeof keys, (task: Parameters<typeof answerOf>[1]) => unknown>;
    for (const [id, answer] of Object.entries(behaviours)) {
      const fake = cleanup.add(await startFakeWorker((task, res) => replyJson(res, 200, answer(task))));
      expectData(await registerSigned(coordinator, { id, endpoint: fake.url }, keys[id as keyof typeof keys]));
    }
    const result = expectData(await submitRequest(coordinator, { query: 'BTC/USD' }));
    const errOf = (id: string) => result.worker_responses.find((r) => r.worker_id === id)?.err;
    expect(errOf('honest')).toBeUndefined();
    expect(errOf('thief')).toMatch(/^signature does not verify with thief's key/);
    expect(errOf('liar')).toMatch(/^signature does not verify with liar's key/);
    expect(errOf('truncator')).toMatch(/^signature is malformed: expected base64 of 64 bytes \(88 characters\), got 40/);
    expect(errOf('silent')).toMatch(/^answer is not signed, and silent has a registered key/);
    expect(result).toMatchObject({ final_value: 100, workers_answered: 1 });
    // Counted against each of them like any contract violation.
    const api = coordinatorApi(coordinator);
    for (const id of ['thief', 'liar', 'truncator', 'silent']) {
      expect(expectData(await api.GET('/workers/{id}', { params: { path: { id } } })).stats?.failures, id).toBe(1);
    }
    expect(result.report?.observations.map((o) => o.worker_id)).toEqual(['honest']);
  });
});

/** Three real workers with keys, registered with signatures, behind a coordinator that requires them. */
async function signedNetwork() {
  const coordinator = cleanup.add(await startTestCoordinator({ requireSignatures: 'on' }));
  for (const [i, id] of ['worker-a', 'worker-b', 'worker-c'].entries()) {
    const worker = cleanup.add(await startTestWorker(id, { noise: 0.01 }, i + 1));
    expectData(await registerSigned(coordinator, { id, endpoint: worker.url }, worker.key));
  }
  const client = createOracleClient({ baseUrl: coordinator.url });
  return { coordinator, client };
}

/** A deep copy with one change. */
function altered(result: OracleResult, change: (copy: OracleResult) => void): OracleResult {
  const copy = structuredClone(result);
  change(copy);
  return copy;
}

describe('signed reports', () => {
  it('verify untouched, and fail naming what was altered: a value, the final value, the strategy, a worker id', async () => {
    const { client } = await signedNetwork();
    const result = await client.submitOracleRequest('BTC/USD', { strategy: 'median' });
    const keys = await client.getKeys();
    expect(result.report).toMatchObject({ version: 1, request_id: result.request_id, strategy: 'median', final_value: result.final_value });
    expect(result.report?.observations).toHaveLength(3);
    expect(verifyOracleResult(result, keys)).toEqual({ valid: true, failures: [] });
    const tampered: [string, OracleResult, RegExp][] = [
      [
        'a worker value',
        altered(result, (r) => void ((r.worker_responses[0] as { value: number }).value += 1)),
        /worker_responses\[0\] \(worker-a\): value .* is not the signed value/,
      ],
      [
        'a signed value',
        altered(result, (r) => void ((r.report?.observations[1] as { value: number }).value += 1)),
        /report.observations\[1\] \(worker-b\): the worker's signature does not verify/,
      ],
      ['the final value', altered(result, (r) => void (r.final_value += 1)), /^final_value .* is not the report's final_value/],
      [
        "the report's final value",
        altered(result, (r) => void ((r.report as { final_value: number }).final_value += 1)),
        /report.signature: the coordinator's signature does not verify/,
      ],
      ['the strategy', altered(result, (r) => void (r.strategy = 'average')), /^strategy average is not the report's strategy median/],
      [
        "the report's strategy",
        altered(result, (r) => void ((r.report as { strategy: string }).strategy = 'average')),
        /coordinator's signature does not verify/,
      ],
      [
        'a worker id',
        altered(result, (r) => void ((r.worker_responses[2] as { worker_id: string }).worker_id = 'worker-z')),
        /a usable answer that the report does not carry/,
      ],
      [
        "a report's worker id",
        altered(result, (r) => void ((r.report?.observations[0] as { worker_id: string }).worker_id = 'worker-z')),
        /not worker-z's key/,
      ],
    ];
    for (const [what, copy, failure] of tampered) {
      const verdict = verifyOracleResult(copy, keys);
      expect(verdict.valid, what).toBe(false);
      expect(
        verdict.failures.some((f) => failure.test(f)),
        `${what}: ${verdict.failures.join('; ')}`,
      ).toBe(true);
    }
    // A coordinator that lies about the aggregate and signs the lie is caught by recomputing it.
    const lie = altered(result, (r) => void (r.final_value = (r.report?.observations[0]?.value ?? 0) + 1));
    expect(verifyOracleResult(lie, keys).valid).toBe(false);
  });

  // Four client processes in a row: about 2 s on a quiet machine, more on a busy one.
  it(
    'npm run client -- verify passes an untouched result and fails a tampered one, naming it; --verify checks as it receives',
    { timeout: 30_000 },
    async () => {
      const { coordinator, client } = await signedNetwork();
      const result = await client.submitOracleRequest('ETH/USD', { strategy: 'weighted_median' });
      const dir = cleanup.add(await temporaryDirectory());
      const good = join(dir.path, 'result.json');
      const bad = join(dir.path, 'tampered.json');
      await writeFile(good, JSON.stringify(result));
      await writeFile(bad, JSON.stringify(altered(result, (r) => void ((r.worker_responses[1] as { value: number }).value *= 2))));
      const passed = await runClient('verify', good, '--coordinator', coordinator.url);
      expect(passed.stdout, passed.stderr).toMatch(
        /^verified: 3 worker signatures, the coordinator's signature \(key [\w-]{43}\), and the final value recomputed with weighted_median/,
      );
      expect(passed.code).toBe(0);
      const failed = await runClient('verify', bad, '--coordinator', coordinator.url);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/verification FAILED:\n {2}- worker_responses\[1\] \(worker-b\): value .* is not the signed value/);
      // Saved keys verify offline, with no coordinator to ask.
      const keysFile = join(dir.path, 'keys.json');
      await writeFile(keysFile, JSON.stringify(await client.getKeys()));
      expect((await runClient('verify', good, '--keys', keysFile, '--coordinator', 'http://127.0.0.1:9')).code).toBe(0);
      const live = await runClient('BTC/USD', '--verify', '--coordinator', coordinator.url);
      expect(live.code, live.stderr).toBe(0);
      expect(live.stdout).toMatch(/BTC\/USD: [\d.,]+ \(average\)[\s\S]*verified: 3 worker signatures/);
    },
  );

  it('is verified by an independent verifier written from the spec alone', async () => {
    const { client } = await signedNetwork();
    const result = await client.submitOracleRequest('BTC/USD', { strategy: 'trimmed_mean', as_of: '2026-11-29T17:40:00Z' });
    const dir = cleanup.add(await temporaryDirectory());
    const resultFile = join(dir.path, 'result.json');
    const keysFile = join(dir.path, 'keys.json');
    await writeFile(resultFile, JSON.stringify(result));
    await writeFile(keysFile, JSON.stringify(await client.getKeys()));
    const script = join(import.meta.dirname, '..', 'fixtures', 'independent-verifier.mjs');
    const { stdout } = await run(process.execPath, [script, resultFile, keysFile]);
    expect(stdout).toBe(`ok: coordinator signature and 3 worker signatures verify; final value ${result.final_value}\n`);
    const tamperedFile = join(dir.path, 'tampered.json');
    await writeFile(
      tamperedFile,
      JSON.stringify(altered(result, (r) => void ((r.report?.observations[2] as { value: number }).value += 0.5))),
    );
    await expect(run(process.execPath, [script, tamperedFile, keysFile])).rejects.toMatchObject({ code: 1 });
  });

  it('comes with every round of the history and every feed publication', async () => {
    const { coordinator, client } = await signedNetwork();
    const keys = await client.getKeys();
    const result = await client.submitOracleRequest('BTC/USD');
    const round = await client.getRound(result.request_id);
    expect(round.result?.report).toEqual(result.report);
    const api = coordinatorApi(coordinator);
    expectData(
      await api.PUT('/feeds/{feed_id}', {
        params: { path: { feed_id: 'btc' } },
        body: { query: 'BTC/USD', deviation_bps: 50, heartbeat_ms: 60_000, poll_interval_ms: 50, timeout_ms: 1_000 },
      }),
      201,
    );
    await expect
      .poll(async () => (await api.GET('/feeds/{feed_id}/latest', { params: { path: { feed_id: 'btc' } } })).response.status)
      .toBe(200);
    const latest = await client.readFeed('btc');
    const { verifyFeedValue } = await import('../../src/client/client.ts');
    expect(latest.report?.request_id).toBe(latest.round_id);
    expect(verifyFeedValue(latest, keys)).toEqual({ valid: true, failures: [] });
    expect(verifyFeedValue({ ...latest, value: latest.value + 1 }, keys).failures).toEqual([
      `value ${latest.value + 1} is not the report's final_value ${latest.value}`,
    ]);
  });
});

describe('the read token', () => {
  it('protects the registry, the history, the feeds and the metrics, but not the keys or requests', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ readToken: 'reader' }));
    // Every read the spec puts under the readToken scheme, so that the app's list cannot drift from it.
    const spec = parseYaml(await readFile(COORDINATOR_SPEC_PATH, 'utf8')) as {
      paths: Record<string, { get?: { security?: Record<string, unknown>[] } }>;
    };
    const reads = Object.entries(spec.paths)
      .filter(([, item]) => item.get?.security?.some((scheme) => 'readToken' in scheme) === true)
      .map(([path]) => path.replaceAll(/\{[^}]+\}/g, 'x'));
    expect(reads.length).toBeGreaterThanOrEqual(10);
    for (const path of reads) {
      const refused = await fetch(`${coordinator.url}${path}`);
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('www-authenticate'), path).toBe('Bearer');
    }
    expect((await fetch(`${coordinator.url}/workers`, { headers: { authorization: 'Bearer reader' } })).status).toBe(200);
    expect((await fetch(`${coordinator.url}/metrics`, { headers: { authorization: 'Bearer reader' } })).status).toBe(200);
    expect((await fetch(`${coordinator.url}/keys`)).status).toBe(200);
    expect((await submitRequest(coordinator, { query: 'BTC/USD' })).response.status).toBe(503);
    const client = createOracleClient({ baseUrl: coordinator.url, readToken: 'reader' });
    expect(await client.listWorkers()).toEqual([]);
  });
});
