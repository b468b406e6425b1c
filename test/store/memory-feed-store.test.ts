import { MemoryFeedStore } from '../../src/coordinator/feeds/memory-feed-store.ts';
import { describeFeedStore } from './feed-store-contract.ts';

describeFeedStore('memory', () => Promise.resolve({ store: new MemoryFeedStore(), close: () => Promise.resolve() }));
