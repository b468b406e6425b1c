import { MemoryWorkerStore } from '../../src/coordinator/memory-worker-store.ts';
import { Registry } from '../../src/coordinator/registry.ts';
import { describeWorkerStore } from './worker-store-contract.ts';

describeWorkerStore('memory', (policy, limits, now) =>
  Promise.resolve({ store: new MemoryWorkerStore(new Registry(policy, now, limits)), close: () => Promise.resolve() }),
);
