/**
 * The servers' own limits, configured short by each test: a client that never finishes its
 * headers (slowloris) or its body gets a 408 problem and the connection is closed within the
 * timeout and a small margin; a slow answer is not a slow request; connections beyond the cap
 * are refused; idle keep-alive connections are announced and closed after their timeout.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { coordinatorApi, expectData } from '../helpers/clients.ts';
import { answerOf, replyJson, startFakeWorker } from '../helpers/fake-workers.ts';
import { Cleanup, register, startTestCoordinator, startTestWorker } from '../helpers/network.ts';
import { HOST_HEADER } from '../helpers/malformed-http.ts';
import { problemViolations } from '../helpers/problem-schema.ts';
import { exchangeOverTcp, parseHttpResponse, type TcpExchange } from '../helpers/raw-http.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** How late after its timeout a connection may be closed: the check interval plus a loaded machine's slack. */
const MARGIN_MS = 400;

/** Writes `first`, then `more(n)` every `everyMs` until the connection closes: a request that never ends. */
function trickle(first: string, more: (n: number) => string, everyMs: number): (socket: Socket) => void {
  return (socket) => {
    socket.write(first);
    let n = 0;
    const drip = setInterval(() => {
      if (socket.destroyed || !socket.writable) clearInterval(drip);
      else socket.write(more(n++));
    }, everyMs);
    socket.once('close', () => clearInterval(drip));
  };
}

/** Closed by the server with a 408 problem, no sooner than `timeoutMs` and not much later. */
function expectTimedOut(exchange: TcpExchange, timeoutMs: number, detail: RegExp): void {
  expect(exchange.closedByServer).toBe(true);
  expect(exchange.elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 10);
  expect(exchange.elapsedMs).toBeLessThan(timeoutMs + MARGIN_MS);
  const response = parseHttpResponse(exchange.received);
  expect(response.status).toBe(408);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json\b/);
  expect(response.headers.connection).toBe('close');
  const problem = JSON.parse(response.body) as { detail?: string };
  expect(problemViolations(problem)).toEqual([]);
  expect(problem).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  expect(problem.detail).toMatch(detail);
}

describe('request timeouts', () => {
  it('closes a slowloris connection to the coordinator with a 408 problem soon after the headers timeout', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ headersTimeoutMs: 200, requestTimeoutMs: 1000 }));
    const headers = trickle(`GET /healthz HTTP/1.1\r\n${HOST_HEADER}`, (n) => `X-Drip-${n}: a\r\n`, 50);
    expectTimedOut(await exchangeOverTcp(coordinator.url, headers, 3000), 200, /headers were not received within 200 ms/);
  });

  it('does the same on a worker, for a connection that sends nothing at all', async () => {
    const worker = cleanup.add(await startWorkerServerWith({ headersTimeoutMs: 200, requestTimeoutMs: 1000 }));
    expectTimedOut(await exchangeOverTcp(worker.url, () => undefined, 3000), 200, /headers were not received within 200 ms/);
  });

  it('closes a connection whose body trickles in with a 408 problem soon after the request timeout', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ headersTimeoutMs: 200, requestTimeoutMs: 400 }));
    const head = `POST /request HTTP/1.1\r\n${HOST_HEADER}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const body = trickle(`${head}{"query":`, () => ' ', 50);
    expectTimedOut(await exchangeOverTcp(coordinator.url, body, 3000), 400, /body was not received within 400 ms/);
  });

  it('answers a POST /request whose fan-out takes longer than the request timeout', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ headersTimeoutMs: 100, requestTimeoutMs: 200 }));
    const slow = cleanup.add(
      await startFakeWorker((task, res) => {
        setTimeout(() => replyJson(res, 200, answerOf('slow', task, 7)), 600);
      }),
    );
    await register(coordinator.url, 'slow', slow.url);
    const result = expectData(await coordinatorApi(coordinator).POST('/request', { body: { query: 'BTC/USD', timeout_ms: 3000 } }));
    expect(result.final_value).toBe(7);
  });
});

describe('connections', () => {
  it('refuses connections beyond the maximum, and takes new ones once others close', async () => {
    const coordinator = cleanup.add(await startTestCoordinator({ maxConnections: 2 }));
    const held = await Promise.all([openKeepAlive(coordinator.url), openKeepAlive(coordinator.url)]);
    const refused = await exchangeOverTcp(coordinator.url, `GET /healthz HTTP/1.1\r\n${HOST_HEADER}\r\n`, 2000);
    expect(refused).toMatchObject({ closedByServer: true, received: Buffer.alloc(0) });
    await Promise.all(held.map((socket) => closeSocket(socket)));
    expect((await fetch(`${coordinator.url}/healthz`)).status).toBe(200);
  });

  it('announces its keep-alive timeout and closes an idle connection after it', async () => {
    const worker = cleanup.add(await startWorkerServerWith({ keepAliveTimeoutMs: 200 }));
    const socket = await openKeepAlive(worker.url);
    const started = performance.now();
    await new Promise((resolve) => socket.once('close', resolve));
    // Node keeps the socket a second longer than it announces, for requests already on their way.
    expect(performance.now() - started).toBeLessThan(200 + 1000 + MARGIN_MS);
    const announced = await fetch(`${cleanup.add(await startWorkerServerWith({ keepAliveTimeoutMs: 7000 })).url}/healthz`);
    expect(announced.headers.get('keep-alive')).toBe('timeout=7');
  });
});

function startWorkerServerWith(serverLimits: Parameters<typeof startTestWorker>[3]) {
  return startTestWorker('worker-1', {}, 1, serverLimits);
}

/** A connection that has had one request answered and stays open (keep-alive). */
function openKeepAlive(baseUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`GET /healthz HTTP/1.1\r\n${HOST_HEADER}\r\n`));
    socket.once('data', () => resolve(socket));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before an answer')));
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.removeAllListeners('close');
    socket.once('close', () => resolve());
    socket.destroy();
  });
}
