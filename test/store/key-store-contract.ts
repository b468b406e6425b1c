/**
 * What every KeyStore must do, run against the memory store and the Redis store: bindings that
 * hold until an operator removes them, atomic under contention, and nonces claimed once.
 */
import { describe, expect, it } from 'vitest';
import type { KeyStore } from '../../src/coordinator/key-store.ts';

export type KeyStoreFactory = (now: () => number) => Promise<{ store: KeyStore; close: () => Promise<void> }>;

export function describeKeyStore(name: string, factory: KeyStoreFactory): void {
  describe(`${name} key store`, () => {
    it('binds an id to its first key until it is unbound, within a capacity', async () => {
      const { store, close } = await factory(Date.now);
      try {
        expect(await store.keyOf('w1')).toBeUndefined();
        expect(await store.bind('w1', 'key-a', 2)).toBe('bound');
        expect(await store.bind('w1', 'key-a', 2)).toBe('same');
        expect(await store.bind('w1', 'key-b', 2)).toBe('mismatch');
        expect(await store.keyOf('w1')).toBe('key-a');
        expect(await store.bind('w2', 'key-c', 2)).toBe('bound');
        expect(await store.bind('w3', 'key-d', 2)).toBe('full');
        expect((await store.bindings()).sort()).toEqual([
          ['w1', 'key-a'],
          ['w2', 'key-c'],
        ]);
        expect(await store.unbind('w1')).toBe(true);
        expect(await store.unbind('w1')).toBe(false);
        expect(await store.bind('w1', 'key-b', 2)).toBe('bound');
      } finally {
        await close();
      }
    });

    it('binds one key when many race for an id', async () => {
      const { store, close } = await factory(Date.now);
      try {
        const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.bind('contested', `key-${i}`, 100)));
        expect(outcomes.filter((o) => o === 'bound')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'mismatch')).toHaveLength(19);
        expect(await store.keyOf('contested')).toBe(`key-${outcomes.indexOf('bound')}`);
      } finally {
        await close();
      }
    });

    it('claims a nonce once per worker within its TTL, and lists the coordinator keys renewed within the retention', async () => {
      const { store, close } = await factory(Date.now);
      try {
        expect(await store.claimNonce('w1', 'nonce-0000000001', 200)).toBe(true);
        expect(await store.claimNonce('w1', 'nonce-0000000001', 200)).toBe(false);
        expect(await store.claimNonce('w2', 'nonce-0000000001', 200)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await store.claimNonce('w1', 'nonce-0000000001', 200)).toBe(true);
        await store.renewCoordinatorKey('coordinator-a', 1_000);
        await store.renewCoordinatorKey('coordinator-b', 2_000);
        await store.renewCoordinatorKey('coordinator-a', 3_000);
        expect((await store.coordinatorKeys(500)).sort()).toEqual(['coordinator-a', 'coordinator-b']);
        // A key not renewed within the retention is forgotten for good.
        expect(await store.coordinatorKeys(2_500)).toEqual(['coordinator-a']);
        expect(await store.coordinatorKeys(0)).toEqual(['coordinator-a']);
      } finally {
        await close();
      }
    });
  });
}
