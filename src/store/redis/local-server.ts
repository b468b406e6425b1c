/**
 * A redis-server of our own, for `npm start -- --ha` and the tests: on a free loopback port with
 * a directory of its own, no persistence unless AOF is asked for (to test restarts), stopped and
 * removed by `close`. The binary comes from the system (Debian's package redis-server; .ci/run
 * installs it when it is missing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../process/free-port.ts';

const MISSING_BINARY =
  'redis-server is not installed: install the redis-server package (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Where it keeps its files (the AOF, when asked for). */
  readonly dir: string;
  /** Stops the server (SIGTERM, so an AOF is flushed); the directory stays until `close`. */
  stop(): Promise<void>;
  /** SIGKILLs the server at once (its directory stays), for a process that must exit now. */
  killNow(): void;
  /** Freezes the process (SIGSTOP): connections stay open and nothing answers, as in a silent network. */
  pause(): void;
  /** Lets a paused process go on (SIGCONT). */
  resume(): void;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisOptions {
  /** Append-only persistence in its directory, fsynced every write, for restart tests. */
  aof?: boolean;
  /** Reuse this directory (an AOF from an earlier server) instead of a new one. */
  dir?: string;
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'oracle-redis-')));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.aof === true ? 'yes' : 'no',
    ...(options.aof === true ? ['--appendfsync', 'always'] : []),
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const missing = new Promise<never>((_, reject) =>
      child?.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'ENOENT' ? MISSING_BINARY : `cannot start redis-server: ${error.message}`)),
      ),
    );
    await Promise.race([waitForPort(port, child), missing]);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    // A paused process would hold SIGTERM until it is resumed.
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    killNow: () => child?.kill('SIGKILL'),
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    restart: launch,
    async close() {
      await stop();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with ${String(child.exitCode)}; is it installed (apt-get install redis-server)?`);
    if (await answersPing(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    await sleep(20);
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
