/**
 * Real price sources against local fixture servers shaped like each preset's provider: good
 * prices, every way an answer can be wrong, and what a source's failure looks like in a task's
 * `err`. Everything listens on 127.0.0.1, which the tests allow explicitly (sources may not live
 * on loopback by default).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation, PriceObserver } from '../../src/worker/observer.ts';
import type { PresetName } from '../../src/worker/sources/presets.ts';
import { Cleanup } from '../helpers/network.ts';
import { providerBodies, startPriceFixture, type FixtureReply, type FixtureRequest, type PriceFixture } from '../helpers/price-fixtures.ts';
import { observerOf, sourcesFrom } from '../helpers/sources.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const START = Date.UTC(2026, 0, 1, 12);

interface PresetCase {
  readonly preset: PresetName;
  /** The preset's URL with the fixture's origin in front of the provider's path. */
  readonly url: (origin: string) => string;
  /** What the fixture must be asked for BTC/USD, path and query. */
  readonly request: string;
  readonly good: (price: string) => object;
  readonly missing: object;
  readonly path: string;
}

const PRESET_CASES: readonly PresetCase[] = [
  {
    preset: 'coinbase-spot',
    url: (origin) => `${origin}/v2/prices/{base}-{quote}/spot`,
    request: '/v2/prices/BTC-USD/spot',
    good: (price) => providerBodies.coinbaseSpot(price),
    missing: { data: { base: 'BTC', currency: 'USD' } },
    path: '$.data.amount',
  },
  {
    preset: 'kraken-ticker',
    url: (origin) => `${origin}/0/public/Ticker`,
    request: '/0/public/Ticker?pair=XBTUSD',
    good: (price) => providerBodies.krakenTicker(price),
    missing: { error: [], result: {} },
    path: '$.result.*.c[0]',
  },
  {
    preset: 'bitstamp-ticker',
    url: (origin) => `${origin}/api/v2/ticker/{base_lower}{quote_lower}/`,
    request: '/api/v2/ticker/btcusd/',
    good: (price) => providerBodies.bitstampTicker(price),
    missing: { timestamp: '1767225600', bid: '41999', ask: '42001' },
    path: '$.last',
  },
  {
    preset: 'coingecko-simple',
    url: (origin) => `${origin}/api/v3/simple/price`,
    request: '/api/v3/simple/price?ids=bitcoin&vs_currencies=usd',
    good: (price) => providerBodies.coingeckoSimple(price),
    missing: {},
    path: "$['bitcoin']['usd']",
  },
];

interface Harness {
  fixture: PriceFixture;
  observer: PriceObserver;
  /** The observer's clock; tests move it. */
  clock: { now: number };
  readonly observe: (query?: string) => Promise<Observation>;
}

async function harness(presetCase: PresetCase, respond: (request: FixtureRequest) => FixtureReply, extra = ''): Promise<Harness> {
  const fixture = cleanup.add(await startPriceFixture(respond));
  const configuration = sourcesFrom(`
sources:
  - name: ${presetCase.preset.split('-')[0] ?? ''}
    preset: ${presetCase.preset}
    url: ${presetCase.url(fixture.url)}
${extra.includes('timeout_ms') ? '' : '    timeout_ms: 500'}
${extra}`);
  const clock = { now: START };
  const observer = observerOf(configuration, { now: () => clock.now });
  cleanup.add({ close: () => observer.close?.() ?? Promise.resolve() });
  return { fixture, observer, clock, observe: (query = 'BTC/USD') => observer.observe(query, clock.now, new AbortController().signal) };
}

const requested = (request: FixtureRequest | undefined) =>
  request === undefined ? undefined : `${request.path}${request.query.size > 0 ? `?${request.query.toString()}` : ''}`;

describe.each(PRESET_CASES)('the $preset preset against a fixture shaped like its provider', (presetCase) => {
  const name = presetCase.preset.split('-')[0] ?? '';

  it('reads a good price, asking for the pair as the provider spells it', async () => {
    const { fixture, observe } = await harness(presetCase, () => ({ body: presetCase.good('42000.10') }));
    expect(await observe()).toEqual({ value: 42000.1 });
    expect(requested(fixture.requests[0])).toBe(presetCase.request);
    expect(fixture.requests[0]?.headers.accept).toBe('application/json');
  });

  it('says where the price is missing', async () => {
    const { observe } = await harness(presetCase, () => ({ body: presetCase.missing }));
    expect(await observe()).toEqual({ err: `no source answered (0 of 1): ${name}: no price at ${presetCase.path}` });
  });

  it('refuses a price that is not a number, and one that is not positive', async () => {
    let price = 'n/a';
    const { observe, clock } = await harness(presetCase, () => ({ body: presetCase.good(price) }));
    expect(await observe()).toEqual({ err: `no source answered (0 of 1): ${name}: not a number at ${presetCase.path}: "n/a"` });
    price = '0';
    clock.now += 10_000;
    expect(await observe()).toEqual({ err: `no source answered (0 of 1): ${name}: not a positive price at ${presetCase.path}: "0"` });
  });

  it('backs off after a 429 until its Retry-After has passed, without asking the provider again', async () => {
    let limited = true;
    const { fixture, observe, clock } = await harness(presetCase, () =>
      limited ? { status: 429, headers: { 'retry-after': '30' }, body: { message: 'slow down' } } : { body: presetCase.good('42000') },
    );
    expect(await observe()).toMatchObject({ err: expect.stringContaining(`${name}: HTTP 429 (retry after 30 s)`) as unknown });
    // Past the interval (every preset's is at most 5 s), so the cached failure has expired.
    clock.now += 10_000;
    limited = false;
    expect(await observe()).toMatchObject({
      err: expect.stringContaining(`${name}: backing off after HTTP 429 (retry in 20 s)`) as unknown,
    });
    expect(fixture.requests).toHaveLength(1);
    clock.now += 20_000;
    expect(await observe()).toEqual({ value: 42000 });
    expect(fixture.requests).toHaveLength(2);
  });

  it('reports a server error with its status', async () => {
    const { observe } = await harness(presetCase, () => ({ status: 500, body: 'Internal Server Error' }));
    expect(await observe()).toEqual({ err: `no source answered (0 of 1): ${name}: HTTP 500` });
  });

  it('gives up on a slow answer at the source’s timeout', async () => {
    const { observe } = await harness(presetCase, () => ({ body: presetCase.good('42000'), delayMs: 5000 }), '    timeout_ms: 100');
    const started = performance.now();
    expect(await observe()).toEqual({ err: `no source answered (0 of 1): ${name}: no answer within 100 ms` });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops reading a body that is too large', async () => {
    const huge = { ...presetCase.good('42000'), padding: 'x'.repeat(100_000) };
    const { observe } = await harness(presetCase, () => ({ body: huge }), '    max_body_bytes: 1024');
    expect(await observe()).toEqual({ err: `no source answered (0 of 1): ${name}: response larger than 1024 bytes` });
  });

  it('does not follow a redirect, and names its status and where it pointed (scheme and host only)', async () => {
    const { fixture, observe } = await harness(presetCase, () => ({
      status: 301,
      headers: { location: 'https://elsewhere.example/v9/price?token=abc' },
    }));
    expect(await observe()).toEqual({
      err: `no source answered (0 of 1): ${name}: HTTP 301 redirect to https://elsewhere.example (not followed)`,
    });
    expect(fixture.requests).toHaveLength(1);
  });
});

describe('provider errors', () => {
  const [, kraken, , coingecko] = PRESET_CASES as [PresetCase, PresetCase, PresetCase, PresetCase];

  it("quotes Kraken's error, which comes with HTTP 200", async () => {
    const { observe } = await harness(kraken, () => ({ body: providerBodies.krakenError('EQuery:Unknown asset pair') }));
    expect(await observe('ZZZ/USD')).toEqual({ err: 'no source answered (0 of 1): kraken: provider error: EQuery:Unknown asset pair' });
  });

  it("quotes CoinGecko's message on its 429, and says when there is no coin id for a symbol", async () => {
    const { fixture, observe } = await harness(coingecko, () => ({
      status: 429,
      headers: { 'retry-after': '60' },
      body: providerBodies.coingeckoError("You've exceeded the Rate Limit."),
    }));
    expect(await observe()).toEqual({
      err: "no source answered (0 of 1): coingecko: HTTP 429 (retry after 60 s): You've exceeded the Rate Limit.",
    });
    expect(await observe('ZZZ/USD')).toEqual({ err: "no source answered (0 of 1): coingecko: no id for ZZZ in the source's ids" });
    expect(fixture.requests).toHaveLength(1);
  });
});
