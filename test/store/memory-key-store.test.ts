import { MemoryKeyStore } from '../../src/coordinator/key-store.ts';
import { describeKeyStore } from './key-store-contract.ts';

describeKeyStore('memory', (now) => Promise.resolve({ store: new MemoryKeyStore(now), close: () => Promise.resolve() }));
