import { describe, expect, it } from 'vitest';
import { dispatchToWorkers } from '../../src/coordinator/dispatch.ts';
import type { SendTask } from '../../src/coordinator/task-client.ts';

describe('dispatchToWorkers', () => {
  it('settles every call by the deadline even when the transport ignores the abort signal', async () => {
    // A task queued behind a full connection pool: it notices nothing until it gets a socket.
    const deaf: SendTask = () => new Promise(() => undefined);
    const started = performance.now();
    const [outcome] = await dispatchToWorkers(
      [{ id: 'w', endpoint: 'http://w' }],
      { id: 'r', query: 'BTC/USD' },
      { timeoutMs: 30, sendTask: deaf },
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(outcome).toMatchObject({ kind: 'timeout', result: { err: 'timed out after 30ms', value: 0, reliable: false } });
  });

  it('names the cancellation when a caller aborts, and adds no listener warnings for wide fan-outs', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const client = new AbortController();
      const hang: SendTask = (_endpoint, _task, signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      const targets = Array.from({ length: 50 }, (_, i) => ({ id: `w${i}`, endpoint: `http://w${i}` }));
      const pending = dispatchToWorkers(
        targets,
        { id: 'r', query: 'BTC/USD' },
        { timeoutMs: 5_000, sendTask: hang, cancelSignals: [client.signal] },
      );
      client.abort();
      const outcomes = await pending;
      expect(new Set(outcomes.map((o) => o.kind))).toEqual(new Set(['cancelled']));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
