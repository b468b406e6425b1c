/**
 * Problems stay within the spec's own Problem schema whatever the request carried: an instance
 * copied from a path longer than 2048 characters, an unknown property longer than 1024 as an
 * errors[].path. Both services, over real loopback servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServices } from '../helpers/network.ts';
import { codePointLength, problemViolations } from '../helpers/problem-schema.ts';
import { createRawClient, type RawClient } from '../helpers/raw-http.ts';

const services = useTestServices({ bodyLimit: 65536 });
let raw: RawClient;

beforeAll(() => {
  raw = createRawClient(5_000);
});
afterAll(() => raw.close());

describe('problems within the Problem schema', () => {
  it.each(['coordinator', 'worker'] as const)(
    'cuts the instance of a 3000-character path on the %s to 2048 code points',
    async (service) => {
      const url = services.urlOf(service);
      const reply = await raw.send(url, { method: 'GET', path: `/${'a'.repeat(3000)}` });
      expect(reply.status).toBe(404);
      const problem = JSON.parse(reply.text) as Record<string, unknown>;
      expect(problemViolations(problem)).toEqual([]);
      expect(codePointLength(problem.instance)).toBe(2048);
      expect(problem.instance).toMatch(/^\/a+…$/);
    },
  );

  it('cuts an errors[].path copied from a 3000-character unknown property to 1024 code points', async () => {
    const key = '😀'.repeat(3000);
    const reply = await raw.send(services.coordinator.url, {
      method: 'POST',
      path: '/request',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'BTC/USD', [key]: 1 }),
    });
    expect(reply.status).toBe(400);
    const problem = JSON.parse(reply.text) as { code?: string; errors?: { path?: string }[] };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problemViolations(problem)).toEqual([]);
    const path = problem.errors?.[0]?.path ?? '';
    expect(codePointLength(path)).toBe(1024);
    // Cut between code points: no lone surrogate is left before the mark.
    expect(path).toMatch(/^\/body\/(?:😀)+…$/u);
  });

  it('cuts an unknown property of a task on the worker the same way', async () => {
    const reply = await raw.send(services.worker.url, {
      method: 'POST',
      path: '/task',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'r1', query: 'BTC/USD', ['k'.repeat(3000)]: true }),
    });
    expect(reply.status).toBe(400);
    expect(problemViolations(JSON.parse(reply.text))).toEqual([]);
  });
});
