/**
 * The coordinator's connections to one worker (src/coordinator/worker-connections.ts), under
 * undici's Agent as the task client uses them, against a real HTTP server on loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerConnections } from '../../src/coordinator/worker-connections.ts';
import { freePort } from '../../src/process/free-port.ts';
import { Cleanup } from '../helpers/network.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

interface CountingServer {
  url: string;
  /** Distinct sockets the server has accepted. */
  readonly sockets: Set<Socket>;
  /** The socket of every request, in arrival order. */
  readonly requestSockets: Socket[];
  /** Answers every request held so far. */
  release(): void;
  held(): number;
}

/** A server that holds each request until `release`, and counts the connections it gets. */
async function startCountingServer(port = 0): Promise<CountingServer> {
  const sockets = new Set<Socket>();
  const requestSockets: Socket[] = [];
  const waiting: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requestSockets.push(req.socket);
    waiting.push(res);
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanup.add({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    sockets,
    requestSockets,
    release() {
      for (const res of waiting.splice(0)) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    },
    held: () => waiting.length,
  };
}

/** Waits until the server holds `count` requests. */
async function untilHeld(server: CountingServer, count: number): Promise<void> {
  await expect.poll(() => server.held(), { timeout: 5_000, interval: 10 }).toBe(count);
}

function agentWith(connections: number): Agent {
  const agent = new Agent({ connections, factory: (origin, options) => new WorkerConnections(origin, options) });
  cleanup.add(agent);
  return agent;
}

async function get(url: string, dispatcher: Agent): Promise<string> {
  const answer = await request(url, { dispatcher });
  return answer.body.text();
}

describe('the connections to one worker', () => {
  it('opens one connection per task in flight, and reuses them once they are free', async () => {
    const server = await startCountingServer();
    const agent = agentWith(8);
    const first = Array.from({ length: 3 }, () => get(server.url, agent));
    await untilHeld(server, 3);
    expect(server.sockets.size).toBe(3);
    server.release();
    expect(await Promise.all(first)).toEqual(['ok', 'ok', 'ok']);
    // undici frees a connection a moment after its answer (its 'drain' comes on setImmediate).
    await new Promise((resolve) => setImmediate(resolve));
    const second = Array.from({ length: 3 }, () => get(server.url, agent));
    await untilHeld(server, 3);
    expect(server.sockets.size).toBe(3);
    server.release();
    expect(await Promise.all(second)).toEqual(['ok', 'ok', 'ok']);
  });

  it('hands tasks to its free connections in turn, so that none idles out under the keep-alive', async () => {
    const server = await startCountingServer();
    const agent = agentWith(8);
    const first = Array.from({ length: 3 }, () => get(server.url, agent));
    await untilHeld(server, 3);
    server.release();
    await Promise.all(first);
    // One task at a time from here: the first free connection would take every one of them.
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      const task = get(server.url, agent);
      await untilHeld(server, 1);
      server.release();
      await task;
    }
    const sequential = server.requestSockets.slice(3);
    expect(new Set(sequential).size).toBe(3);
    expect(server.sockets.size).toBe(3);
  });

  it('sends a task that finds every connection busy at the limit on the first one freed, not behind a running task', async () => {
    const server = await startCountingServer();
    const agent = agentWith(3);
    const first = Array.from({ length: 3 }, () => get(server.url, agent));
    await untilHeld(server, 3);
    server.release();
    await Promise.all(first);
    // At once: every connection still counts as busy, so these wait for the first ones freed.
    const second = Array.from({ length: 3 }, () => get(server.url, agent));
    await untilHeld(server, 3);
    expect(server.sockets.size).toBe(3);
    server.release();
    expect(await Promise.all(second)).toEqual(['ok', 'ok', 'ok']);
  });

  it('queues a task beyond its limit behind the others instead of opening more connections', async () => {
    const server = await startCountingServer();
    const agent = agentWith(2);
    const tasks = Array.from({ length: 3 }, () => get(server.url, agent));
    await untilHeld(server, 2);
    expect(server.sockets.size).toBe(2);
    server.release();
    await untilHeld(server, 1);
    server.release();
    expect(await Promise.all(tasks)).toEqual(['ok', 'ok', 'ok']);
    expect(server.sockets.size).toBe(2);
  });

  it('fails a task to a worker that is not listening, and connects once the worker is back', async () => {
    const port = await freePort();
    const agent = agentWith(4);
    const url = `http://127.0.0.1:${port}`;
    await expect(get(url, agent)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const server = await startCountingServer(port);
    const answer = get(url, agent);
    await untilHeld(server, 1);
    server.release();
    expect(await answer).toBe('ok');
  });

  it('fails the tasks still waiting for a connection when the agent is destroyed, without opening one for them', async () => {
    const server = await startCountingServer();
    const agent = new Agent({ connections: 1, factory: (origin, options) => new WorkerConnections(origin, options) });
    const running = get(server.url, agent);
    const waiting = get(server.url, agent);
    await untilHeld(server, 1);
    const outcomes = Promise.allSettled([running, waiting]);
    await agent.destroy(new Error('shutting down'));
    const [first, second] = await outcomes;
    expect(first.status).toBe('rejected');
    expect(second).toMatchObject({ status: 'rejected', reason: { message: 'shutting down' } });
    expect(server.sockets.size).toBe(1);
  });

  it('closes its connections when the agent closes', async () => {
    const server = await startCountingServer();
    const agent = new Agent({ connections: 4, factory: (origin, options) => new WorkerConnections(origin, options) });
    const answer = get(server.url, agent);
    await untilHeld(server, 1);
    server.release();
    expect(await answer).toBe('ok');
    const [socket] = [...server.sockets];
    await agent.close();
    await expect.poll(() => socket?.destroyed, { timeout: 5_000, interval: 10 }).toBe(true);
  });
});
