import { describe, expect, it } from 'vitest';
import { MemoryRoundStore } from '../../src/coordinator/rounds/memory-round-store.ts';
import { describeRoundStore, round } from './round-store-contract.ts';

describeRoundStore('memory', (limits, now) => {
  const evictions: string[] = [];
  const store = new MemoryRoundStore({ ...limits, now, onEvict: (reason) => evictions.push(reason) });
  return Promise.resolve({ store, evictions, close: () => Promise.resolve() });
});

describe('memory round store at length', () => {
  it('stays exact through thousands of evictions and compactions, across queries', async () => {
    const store = new MemoryRoundStore({ limit: 100, maxAgeMs: 3_600_000 });
    for (let i = 1; i <= 5_000; i++) await store.add(round(`r${i}`, i % 2 === 0 ? 'BTC/USD' : 'ETH/USD'), `k${i % 2}`, Date.now());
    expect(await store.size()).toBe(100);
    const btc = await store.list({ query: 'BTC/USD', limit: 10 });
    expect(btc.rounds.map((r) => r.request_id)).toEqual(Array.from({ length: 10 }, (_, i) => `r${5_000 - 2 * i}`));
    let seen = 0;
    for (let page = await store.list({ limit: 30 }); ; page = await store.list({ limit: 30, before: page.next })) {
      seen += page.rounds.length;
      if (page.next === undefined) break;
    }
    expect(seen).toBe(100);
    expect(await store.get('r4900')).toBeUndefined();
    expect((await store.get('r4901'))?.query).toBe('ETH/USD');
  });
});
