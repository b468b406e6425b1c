import { describe, expect, it, vi } from 'vitest';
import { MemoryWorkerStore } from '../../src/coordinator/memory-worker-store.ts';
import { Registry } from '../../src/coordinator/registry.ts';
import { CONTRACT_POLICY, describeWorkerStore } from './worker-store-contract.ts';

describeWorkerStore('memory', (policy, limits, now) =>
  Promise.resolve({ store: new MemoryWorkerStore(new Registry(policy, now, limits)), close: () => Promise.resolve() }),
);

describe('memory worker store', () => {
  it('counts the ejected workers, a pass over the whole registry, only when a failure could eject', async () => {
    const store = new MemoryWorkerStore(new Registry(CONTRACT_POLICY, Date.now, {}));
    for (const id of ['a', 'b', 'c', 'd']) await store.register(id, `http://127.0.0.1:${id.charCodeAt(0)}`, '127.0.0.1');
    const counting = vi.spyOn(store.view, 'ejectionBudget');
    const [a, b] = store.view.entries();
    if (a === undefined || b === undefined) throw new Error('not registered');
    const answered = { kind: 'success', latencyMs: 5, deadlineMs: 1000, deviation: 0 } as const;
    await store.recordTasks(
      [
        { entry: a, outcome: answered },
        { entry: b, outcome: answered },
      ],
      Date.now(),
    );
    await store.recordTasks([{ entry: a, outcome: { kind: 'failure' } }], Date.now());
    expect(counting).not.toHaveBeenCalled();
    // The second failure in a row (ejectAfterFailures 2) may eject: now the cap is looked up.
    const ejected = await store.recordTasks([{ entry: a, outcome: { kind: 'timeout' } }], Date.now());
    expect(counting).toHaveBeenCalledTimes(1);
    expect(ejected.map((e) => e.id)).toEqual(['a']);
  });
});
