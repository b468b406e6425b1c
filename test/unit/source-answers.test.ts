/** The pure parts of reading a source: the price in its answer, Retry-After, the gate, templates and redaction. */
import { describe, expect, it } from 'vitest';
import { messageAt, priceAt } from '../../src/worker/sources/price.ts';
import { createRedactor } from '../../src/worker/sources/redact.ts';
import { parseRetryAfter } from '../../src/worker/sources/retry-after.ts';
import { MAX_BACKOFF_MS, SourceGate } from '../../src/worker/sources/source-gate.ts';
import { fillTemplate, termsFor } from '../../src/worker/sources/template.ts';

describe('priceAt', () => {
  it('reads a number or a decimal string, times a multiplier', () => {
    expect(priceAt({ data: { amount: '42000.12' } }, '$.data.amount')).toBe(42000.12);
    expect(priceAt({ bitcoin: { usd: 42000 } }, "$['bitcoin']['usd']")).toBe(42000);
    expect(priceAt({ p: '4.2e4' }, 'p')).toBe(42000);
    expect(priceAt({ p: '4200000' }, 'p', 0.01)).toBe(42000);
  });

  it.each([
    [{}, '$.data.amount', 'no price at $.data.amount'],
    [{ data: { amount: null } }, '$.data.amount', 'not a number at $.data.amount: null'],
    [{ data: { amount: 'NaN' } }, '$.data.amount', 'not a number at $.data.amount: "NaN"'],
    [{ data: { amount: 'Infinity' } }, '$.data.amount', 'not a number at $.data.amount: "Infinity"'],
    [{ data: { amount: '0x10' } }, '$.data.amount', 'not a number at $.data.amount: "0x10"'],
    [{ data: { amount: '' } }, '$.data.amount', 'not a number at $.data.amount: ""'],
    [{ data: { amount: { value: 1 } } }, '$.data.amount', 'not a number at $.data.amount: {"value":1}'],
    [{ data: { amount: '1e999' } }, '$.data.amount', 'not a finite price at $.data.amount: "1e999"'],
    [{ data: { amount: '-3' } }, '$.data.amount', 'not a positive price at $.data.amount: "-3"'],
    [{ data: { amount: 0 } }, '$.data.amount', 'not a positive price at $.data.amount: 0'],
    [{ result: { A: { c: ['1'] }, B: { c: ['2'] } } }, '$.result.*.c[0]', '2 values at $.result.*.c[0], not one price'],
    [[1, 2], '$.data', 'no price at $.data'],
  ])('refuses %j at %s: %s', (json, path, message) => {
    expect(() => priceAt(json, path)).toThrow(message);
  });

  it('reads a provider error message only when there is one', () => {
    expect(messageAt({ error: ['EQuery:Unknown asset pair'] }, '$.error[0]')).toBe('EQuery:Unknown asset pair');
    expect(messageAt({ error: [] }, '$.error[0]')).toBeUndefined();
    expect(messageAt({ error: [''] }, '$.error[0]')).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(['5', '7'], now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('SourceGate', () => {
  it('lets a minute’s calls through at once, then one every 60/N seconds', () => {
    let now = 0;
    const gate = new SourceGate(3, () => now);
    expect([gate.admit(), gate.admit(), gate.admit()]).toEqual([undefined, undefined, undefined]);
    expect(gate.admit()).toBe('local limit of 3 calls a minute reached (next call in 20 s)');
    now += 19_999;
    expect(gate.admit()).toMatch(/^local limit/);
    now += 1;
    expect(gate.admit()).toBeUndefined();
    expect(new SourceGate(undefined, () => now).admit()).toBeUndefined();
  });

  it('backs off for as long as asked, up to an hour', () => {
    let now = 0;
    const gate = new SourceGate(undefined, () => now);
    gate.backOff(30_000, 'HTTP 429');
    now += 10_000;
    expect(gate.admit()).toBe('backing off after HTTP 429 (retry in 20 s)');
    now += 20_000;
    expect(gate.admit()).toBeUndefined();
    gate.backOff(86_400_000, 'HTTP 503');
    now += MAX_BACKOFF_MS;
    expect(gate.admit()).toBeUndefined();
  });
});

describe('templates', () => {
  it('fills the provider’s spelling, lower case and ids, encoding in the path only', () => {
    const terms = termsFor('BTC/USD', { BTC: 'XBT' }, { BTC: 'bitcoin' });
    expect(terms).toEqual({ base: 'XBT', quote: 'USD', base_lower: 'xbt', quote_lower: 'usd', base_id: 'bitcoin' });
    expect(fillTemplate('/{base_id}/{quote_lower}', terms)).toBe('/bitcoin/usd');
    expect(fillTemplate('Bearer ${TOKEN}', terms, new Map([['TOKEN', 'a b/c']]))).toBe('Bearer a b/c');
    expect(fillTemplate('/{base}', termsFor('ETH/USD', {}, {}), new Map(), encodeURIComponent)).toBe('/ETH');
    expect(termsFor('ETH/USD', {}, {}).base_id).toBeUndefined();
  });
});

describe('createRedactor', () => {
  it('replaces every secret as written and as encoded in a URL', () => {
    const redact = createRedactor(['k3y/with space+plus', 'short']);
    const text = `raw k3y/with space+plus, path ${encodeURIComponent('k3y/with space+plus')}, query ${new URLSearchParams({ k: 'k3y/with space+plus' }).toString()}, short`;
    expect(redact(text)).toBe('raw [redacted], path [redacted], query k=[redacted], [redacted]');
  });
});
