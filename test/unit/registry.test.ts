import { describe, expect, it } from 'vitest';
import {
  AddressLimitError,
  EndpointMismatchError,
  Registry,
  RegistryFullError,
  sourceKey,
  WorkerIdTakenError,
} from '../../src/coordinator/registry.ts';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from '../../src/coordinator/worker-health.ts';

const policy: HealthPolicy = { ...DEFAULT_HEALTH_POLICY, ejectAfterFailures: 2, ejectionBaseMs: 1000, ejectionMaxMs: 5000 };
const HERE = '127.0.0.1';

describe('Registry', () => {
  it('caps ejections at the configured share of the registry', () => {
    let now = 0;
    const registry = new Registry({ ...policy, maxEjectedShare: 0.5 }, () => now);
    for (const id of ['a', 'b', 'c', 'd', 'e']) registry.register(id, 'http://127.0.0.1:1', HERE);
    expect(registry.ejectionBudget()).toBeGreaterThan(0);
    const eject = (id: string) => {
      for (let i = 0; i < policy.ejectAfterFailures; i++) registry.get(id)?.health.record({ kind: 'failure' }, policy, now, true);
    };
    eject('a');
    expect(registry.ejectionBudget()).toBeGreaterThan(0);
    eject('b');
    expect(registry.ejectionBudget()).toBe(0);
    now = 1000;
    expect(registry.ejectedCount()).toBe(0);
    expect(registry.ejectionBudget()).toBeGreaterThan(0);
  });

  it('evicts only entries older than the TTL, and a heartbeat keeps one fresh', () => {
    let now = 0;
    const registry = new Registry(policy, () => now);
    registry.register('old', 'http://127.0.0.1:1', HERE);
    registry.register('fresh', 'http://127.0.0.1:2', HERE);
    now = 900;
    expect(registry.heartbeat('fresh', HERE)?.lastSeenMs).toBe(900);
    expect(registry.heartbeat('nobody', HERE)).toBeUndefined();
    now = 1001;
    expect(registry.evictStale(1000).map((e) => e.id)).toEqual(['old']);
    expect(registry.entries().map((e) => e.id)).toEqual(['fresh']);
  });

  it("keeps a worker's history when it registers again at a new endpoint, and says where it was", () => {
    const registry = new Registry(policy);
    registry.register('w', 'http://127.0.0.1:1', HERE);
    registry.get('w')?.health.record({ kind: 'failure' }, policy, 0, true);
    expect(registry.register('w', 'http://127.0.0.1:2', HERE)).toEqual({ kind: 'updated', previousEndpoint: 'http://127.0.0.1:1' });
    expect(registry.size).toBe(1);
    expect(registry.get('w')).toMatchObject({ endpoint: 'http://127.0.0.1:2' });
    expect(registry.get('w')?.health.counters.failures).toBe(1);
  });

  it('lets only the address that registered an id move, refresh or remove it, until it is gone', () => {
    let now = 0;
    const registry = new Registry(policy, () => now);
    registry.register('w1', 'http://10.0.0.5:8081', '10.0.0.5');
    expect(() => registry.register('w1', 'http://10.0.0.66:9999', '10.0.0.66')).toThrow(WorkerIdTakenError);
    expect(() => registry.heartbeat('w1', '10.0.0.66')).toThrow(WorkerIdTakenError);
    expect(() => registry.deregister('w1', '10.0.0.66')).toThrow(WorkerIdTakenError);
    expect(registry.get('w1')).toMatchObject({ endpoint: 'http://10.0.0.5:8081', lastSeenMs: 0 });
    // Once evicted for silence, the id is free for anyone.
    now = 20_000;
    registry.evictStale(15_000);
    expect(registry.register('w1', 'http://10.0.0.66:9999', '10.0.0.66')).toEqual({ kind: 'registered' });
  });

  it('counts localhost over IPv4 and IPv6, and an IPv4-mapped address, as one owner', () => {
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1'].map(sourceKey)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(sourceKey('127.0.0.2')).toBe('127.0.0.2');
    expect(sourceKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    const registry = new Registry(policy);
    registry.register('w', 'http://127.0.0.1:1', '::1');
    expect(registry.heartbeat('w', '127.0.0.1')?.id).toBe('w');
  });

  it('refuses a heartbeat that reports another endpoint, without refreshing the entry', () => {
    let now = 0;
    const registry = new Registry(policy, () => now);
    registry.register('w', 'http://127.0.0.1:1', HERE);
    now = 500;
    expect(() => registry.heartbeat('w', HERE, 'http://127.0.0.1:2')).toThrow(EndpointMismatchError);
    expect(registry.get('w')?.lastSeenMs).toBe(0);
    expect(registry.heartbeat('w', HERE, 'http://127.0.0.1:1')?.lastSeenMs).toBe(500);
  });

  it('caps the registry and each address; leaving frees a place', () => {
    const registry = new Registry(policy, Date.now, { capacity: 3, perAddress: 2 });
    registry.register('a1', 'http://10.0.0.1:1', '10.0.0.1');
    registry.register('a2', 'http://10.0.0.1:2', '10.0.0.1');
    expect(() => registry.register('a3', 'http://10.0.0.1:3', '10.0.0.1')).toThrow(AddressLimitError);
    registry.register('b1', 'http://10.0.0.2:1', '10.0.0.2');
    expect(() => registry.register('c1', 'http://10.0.0.3:1', '10.0.0.3')).toThrow(RegistryFullError);
    // A known id may always register again.
    expect(registry.register('a1', 'http://10.0.0.1:9', '10.0.0.1').kind).toBe('updated');
    registry.deregister('a2', '10.0.0.1');
    expect(registry.register('a3', 'http://10.0.0.1:3', '10.0.0.1').kind).toBe('registered');
  });

  it('pages in registration order, unshaken by entries that leave between pages', () => {
    const registry = new Registry(policy);
    for (let i = 1; i <= 7; i++) registry.register(`w${i}`, `http://127.0.0.1:${i}`, HERE);
    const first = registry.page(0, 3);
    expect(first.entries.map((e) => e.id)).toEqual(['w1', 'w2', 'w3']);
    registry.deregister('w3', HERE);
    registry.deregister('w4', HERE);
    const second = registry.page(first.next ?? -1, 3);
    expect(second.entries.map((e) => e.id)).toEqual(['w5', 'w6', 'w7']);
    expect(second.next).toBeUndefined();
    expect(registry.page(0, 10).next).toBeUndefined();
  });
});
