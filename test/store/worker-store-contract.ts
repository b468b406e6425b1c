/**
 * What every WorkerStore must do, written once and run against the in-memory store and the
 * Redis store (test/store/*-worker-store.test.ts): the registry's rules, and the health rule
 * applied the same way by both (the Redis store runs it in Lua).
 */
import { describe, expect, it } from 'vitest';
import {
  AddressLimitError,
  EndpointMismatchError,
  RegistryFullError,
  WorkerIdTakenError,
  type RegistryLimits,
} from '../../src/coordinator/registry.ts';
import { DEFAULT_HEALTH_POLICY, WorkerHealth, type HealthPolicy, type TaskOutcome } from '../../src/coordinator/worker-health.ts';
import type { WorkerStore } from '../../src/coordinator/worker-store.ts';
import { generateSigningKey } from '../../src/signing/ed25519.ts';

export interface WorkerStoreHarness {
  store: WorkerStore;
  close: () => Promise<void>;
}

export type WorkerStoreFactory = (policy: HealthPolicy, limits: RegistryLimits, now: () => number) => Promise<WorkerStoreHarness>;

export const CONTRACT_POLICY: HealthPolicy = { ...DEFAULT_HEALTH_POLICY, ejectAfterFailures: 2, ejectionBaseMs: 1000, ejectionMaxMs: 4000 };
const HERE = '127.0.0.1';
const T0 = Date.parse('2026-12-01T00:00:00Z');

/** A mixed run of task outcomes, for comparing how stores apply the health rule. */
export const MIXED_OUTCOMES: readonly TaskOutcome[] = [
  { kind: 'success', latencyMs: 12.5, deadlineMs: 2000, deviation: 0.001 },
  { kind: 'success', latencyMs: 1500, deadlineMs: 2000, deviation: 0.02 },
  { kind: 'failure' },
  { kind: 'timeout' },
  { kind: 'overloaded' },
  { kind: 'success', latencyMs: 3.25, deadlineMs: 500, deviation: undefined },
  { kind: 'failure' },
  { kind: 'failure' },
  { kind: 'success', latencyMs: 7, deadlineMs: 100, deviation: Number.MAX_VALUE },
  { kind: 'timeout' },
];

export function describeWorkerStore(name: string, factory: WorkerStoreFactory): void {
  describe(`${name} worker store`, () => {
    const open = async (limits: RegistryLimits = {}, policy = CONTRACT_POLICY) => {
      const clock = { now: T0 };
      const harness = await factory(policy, limits, () => clock.now);
      return { ...harness, clock };
    };

    it('registers, moves an id from its own address, and refuses it from another', async () => {
      const { store, close } = await open();
      try {
        expect(await store.register('w1', 'http://127.0.0.1:1', HERE)).toEqual({ kind: 'registered' });
        expect(await store.register('w1', 'http://127.0.0.1:2', HERE)).toEqual({ kind: 'updated', previousEndpoint: 'http://127.0.0.1:1' });
        await expect(store.register('w1', 'http://10.0.0.9:1', '10.0.0.9')).rejects.toBeInstanceOf(WorkerIdTakenError);
        expect(store.view.get('w1')?.endpoint).toBe('http://127.0.0.1:2');
        expect((await store.info('w1'))?.endpoint).toBe('http://127.0.0.1:2');
      } finally {
        await close();
      }
    });

    it('caps the registry and each address', async () => {
      const { store, close } = await open({ capacity: 3, perAddress: 2 });
      try {
        await store.register('a1', 'http://10.0.0.1:1', '10.0.0.1');
        await store.register('a2', 'http://10.0.0.1:2', '10.0.0.1');
        await expect(store.register('a3', 'http://10.0.0.1:3', '10.0.0.1')).rejects.toBeInstanceOf(AddressLimitError);
        await store.register('b1', 'http://10.0.0.2:1', '10.0.0.2');
        await expect(store.register('c1', 'http://10.0.0.3:1', '10.0.0.3')).rejects.toBeInstanceOf(RegistryFullError);
        expect(await store.deregister('a2', '10.0.0.1')).toBe(true);
        expect(await store.register('a3', 'http://10.0.0.1:3', '10.0.0.1')).toEqual({ kind: 'registered' });
      } finally {
        await close();
      }
    });

    it('refreshes last_seen on a heartbeat, and refuses an unknown id, another address and another endpoint', async () => {
      const { store, clock, close } = await open();
      try {
        await store.register('w1', 'http://127.0.0.1:1', HERE);
        clock.now += 500;
        expect(await store.heartbeat('w1', HERE, 'http://127.0.0.1:1')).toBe(T0 + 500);
        expect((await store.info('w1'))?.last_seen).toBe(new Date(T0 + 500).toISOString());
        expect(await store.heartbeat('nobody', HERE)).toBeUndefined();
        await expect(store.heartbeat('w1', '10.0.0.9')).rejects.toBeInstanceOf(WorkerIdTakenError);
        await expect(store.heartbeat('w1', HERE, 'http://127.0.0.1:2')).rejects.toBeInstanceOf(EndpointMismatchError);
        clock.now += 500;
        await expect(store.heartbeat('w1', HERE, 'http://127.0.0.1:2')).rejects.toBeInstanceOf(EndpointMismatchError);
        expect((await store.info('w1'))?.last_seen).toBe(new Date(T0 + 500).toISOString());
      } finally {
        await close();
      }
    });

    it('lets a registration proven by the id’s key move it from another address, and an operator remove any id', async () => {
      const { store, close } = await open({ perAddress: 1 });
      try {
        const key = generateSigningKey().publicKey;
        await store.register('w1', 'http://127.0.0.1:1', HERE, key);
        expect((await store.info('w1'))?.key_id).toBe(key.keyId);
        expect(store.view.get('w1')?.key?.raw).toBe(key.raw);
        // Another key, or none, is not the owner.
        await expect(store.register('w1', 'http://10.0.0.9:1', '10.0.0.9', generateSigningKey().publicKey)).rejects.toBeInstanceOf(
          WorkerIdTakenError,
        );
        await expect(store.register('w1', 'http://10.0.0.9:1', '10.0.0.9')).rejects.toBeInstanceOf(WorkerIdTakenError);
        expect(await store.register('w1', 'http://10.0.0.9:1', '10.0.0.9', key)).toEqual({
          kind: 'updated',
          previousEndpoint: 'http://127.0.0.1:1',
        });
        // The id moved with its address: the old address may register another, the new one is full.
        await store.register('w2', 'http://127.0.0.1:2', HERE);
        await expect(store.register('w3', 'http://10.0.0.9:3', '10.0.0.9')).rejects.toBeInstanceOf(AddressLimitError);
        await expect(store.heartbeat('w1', HERE)).rejects.toBeInstanceOf(WorkerIdTakenError);
        expect(await store.heartbeat('w1', '10.0.0.9')).toBe(T0);
        expect(await store.remove('w1')).toBe(true);
        expect(await store.remove('w1')).toBe(false);
        expect(store.view.entries().map((e) => e.id)).toEqual(['w2']);
      } finally {
        await close();
      }
    });

    it('counts one address under each of its spellings (IPv4, IPv4-mapped IPv6, ::1 for loopback)', async () => {
      const { store, close } = await open({ perAddress: 2 });
      try {
        await store.register('w1', 'http://127.0.0.1:1', '127.0.0.1');
        expect(await store.heartbeat('w1', '::ffff:127.0.0.1')).toBe(T0);
        expect(await store.heartbeat('w1', '::1')).toBe(T0);
        await store.register('w2', 'http://127.0.0.1:2', '::1');
        await expect(store.register('w3', 'http://127.0.0.1:3', '::ffff:127.0.0.1')).rejects.toBeInstanceOf(AddressLimitError);
        expect(await store.deregister('w2', '::ffff:127.0.0.1')).toBe(true);
      } finally {
        await close();
      }
    });

    it('deregisters from its own address only, and evicts the silent', async () => {
      const { store, clock, close } = await open();
      try {
        await store.register('old', 'http://127.0.0.1:1', HERE);
        await store.register('fresh', 'http://127.0.0.1:2', HERE);
        await store.register('gone', 'http://127.0.0.1:3', HERE);
        await expect(store.deregister('gone', '10.0.0.9')).rejects.toBeInstanceOf(WorkerIdTakenError);
        expect(await store.deregister('gone', HERE)).toBe(true);
        expect(await store.deregister('gone', HERE)).toBe(false);
        clock.now += 900;
        await store.heartbeat('fresh', HERE);
        clock.now += 200;
        expect((await store.evictStale(1000)).map((w) => [w.id, w.lastSeenMs])).toEqual([['old', T0]]);
        expect(await store.evictStale(1000)).toEqual([]);
        expect(store.view.entries().map((e) => e.id)).toEqual(['fresh']);
      } finally {
        await close();
      }
    });

    it('pages in registration order', async () => {
      const { store, close } = await open();
      try {
        for (let i = 1; i <= 5; i++) await store.register(`w${i}`, `http://127.0.0.1:${i}`, HERE);
        const first = await store.page(0, 2);
        expect(first.workers.map((w) => w.id)).toEqual(['w1', 'w2']);
        await store.deregister('w3', HERE);
        const second = await store.page(first.next ?? -1, 2);
        expect(second.workers.map((w) => w.id)).toEqual(['w4', 'w5']);
        expect(second.next).toBeUndefined();
      } finally {
        await close();
      }
    });

    it('applies the health rule exactly as WorkerHealth does, statistics included', async () => {
      // A lone worker may be ejected only when the whole registry may be.
      const policy = { ...CONTRACT_POLICY, maxEjectedShare: 1 };
      const { store, clock, close } = await open({}, policy);
      try {
        await store.register('w1', 'http://127.0.0.1:1', HERE);
        const reference = new WorkerHealth();
        for (const outcome of MIXED_OUTCOMES) {
          clock.now += 100;
          const entry = store.view.get('w1');
          if (entry === undefined) throw new Error('w1 is not in the view');
          await store.recordTasks([{ entry, outcome }], clock.now);
          // The store's budget counts the worker itself while it is ejected.
          reference.record(outcome, policy, clock.now, !reference.isEjected(clock.now));
        }
        const learnt = store.view.get('w1')?.health.counters;
        const expected: Record<string, number | undefined> = { ...reference.counters };
        const actual: Record<string, number | undefined> = { ...learnt };
        for (const [field, value] of Object.entries(expected)) {
          if (value === undefined) expect(actual[field], field).toBeUndefined();
          else expect(actual[field], field).toBeCloseTo(value, 12);
        }
        expect((await store.info('w1'))?.stats).toEqual(reference.stats());
      } finally {
        await close();
      }
    });

    it('ejects within the budget of the ejected share, and reports who and until when', async () => {
      const { store, clock, close } = await open();
      try {
        for (const id of ['a', 'b', 'c', 'd']) await store.register(id, `http://127.0.0.1:${id.charCodeAt(0)}`, HERE);
        const failAll = () =>
          store.recordTasks(
            store.view.entries().map((entry) => ({ entry, outcome: { kind: 'failure' } as const })),
            clock.now,
          );
        expect(await failAll()).toEqual([]);
        // Two failures in a row eject, but at most half of four workers may be out at once.
        const ejected = await failAll();
        expect(ejected).toEqual([
          { id: 'a', until: T0 + 1000, streak: 1 },
          { id: 'b', until: T0 + 1000, streak: 1 },
        ]);
        expect(store.view.ejectedCount()).toBe(2);
        expect((await store.info('a'))?.state).toBe('ejected');
        expect((await store.info('c'))?.stats?.consecutive_failures).toBe(2);
      } finally {
        await close();
      }
    });

    it('learns nothing for a worker that left, or came back as a new registration', async () => {
      const { store, close } = await open();
      try {
        await store.register('w1', 'http://127.0.0.1:1', HERE);
        const stale = store.view.get('w1');
        if (stale === undefined) throw new Error('w1 is not in the view');
        await store.deregister('w1', HERE);
        await store.register('w1', 'http://127.0.0.1:1', HERE);
        await store.recordTasks([{ entry: stale, outcome: { kind: 'failure' } }], T0);
        expect((await store.info('w1'))?.stats?.tasks).toBe(0);
      } finally {
        await close();
      }
    });
  });
}
