/** A recording of prices as a ground truth, and the scenarios that use one. */
import { describe, expect, it } from 'vitest';
import { RecordedTruth } from '../../src/lab/recorded-truth.ts';
import { parseScenario, ScenarioError } from '../../src/lab/scenario.ts';
import { formatObservation, parseRecording, type RecordedObservation } from '../../src/market/recording.ts';
import { marketTruth } from '../../src/market/truth.ts';

const T0 = Date.UTC(2026, 2, 2, 14);
const at = (seconds: number) => T0 + seconds * 1000;
const observation = (seconds: number, source: string, value: number, query = 'BTC/USD'): RecordedObservation => ({
  atMs: at(seconds),
  source,
  query,
  value,
});

describe('RecordedTruth', () => {
  const truth = new RecordedTruth('prices.ndjson', [
    observation(10, 'b', 110),
    observation(0, 'a', 100),
    observation(0, 'b', 102),
    observation(5, 'c', 90),
    observation(20, 'a', 120),
    observation(20, 'a', 121),
    observation(0, 'x', 1.08, 'EUR/USD'),
  ]);

  it('is the median across sources of each one’s latest value at or before the moment', () => {
    expect(truth.priceAt('BTC/USD', at(0))).toBe(101); // a 100, b 102
    expect(truth.priceAt('BTC/USD', at(4.999))).toBe(101);
    expect(truth.priceAt('BTC/USD', at(5))).toBe(100); // a 100, b 102, c 90
    expect(truth.priceAt('BTC/USD', at(12))).toBe(100); // a 100, b 110, c 90
    expect(truth.priceAt('BTC/USD', at(20))).toBe(110); // a 121 (the later line of two at one moment), b 110, c 90
    expect(truth.priceAt('BTC/USD', at(3600))).toBe(110);
    expect(truth.priceAt('EUR/USD', at(30))).toBe(1.08);
  });

  it('reads the first observations before the recording begins, and refuses a pair it does not have', () => {
    expect(truth.priceAt('BTC/USD', at(-60))).toBe(101);
    expect(() => truth.priceAt('ETH/USD', at(0))).toThrow(new RangeError('prices.ndjson has no prices for ETH/USD'));
    expect(truth.spanOf('BTC/USD')).toEqual({ firstMs: at(0), lastMs: at(20), sources: ['a', 'b', 'c'], observations: 6 });
    expect(truth.queries()).toEqual(['BTC/USD', 'EUR/USD']);
  });
});

describe('the recording format', () => {
  it('writes one JSON line an observation and reads it back', () => {
    const line = formatObservation(observation(1.5, 'coinbase', 64012.5));
    expect(line).toBe('{"at":"2026-03-02T14:00:01.500Z","source":"coinbase","query":"BTC/USD","value":64012.5}\n');
    expect(parseRecording(`${line}\n${line}`, 'p.ndjson')).toEqual([
      observation(1.5, 'coinbase', 64012.5),
      observation(1.5, 'coinbase', 64012.5),
    ]);
  });

  it.each([
    ['not JSON', '{"at":', /^p\.ndjson:2: not a JSON line$/],
    ['a bad time', '{"at":"yesterday","source":"a","query":"BTC/USD","value":1}', /^p\.ndjson:2: "at" must be an RFC 3339 date-time$/],
    ['a bad pair', '{"at":"2026-03-02T14:00:00Z","source":"a","query":"btc-usd","value":1}', /^p\.ndjson:2: "query" must be BASE\/QUOTE/],
    [
      'a zero price',
      '{"at":"2026-03-02T14:00:00Z","source":"a","query":"BTC/USD","value":0}',
      /^p\.ndjson:2: "value" must be a positive number$/,
    ],
  ])('refuses %s, naming the line', (_name, line, message) => {
    expect(() => parseRecording(`${formatObservation(observation(0, 'a', 1))}${line}\n`, 'p.ndjson')).toThrow(message);
  });
});

describe('a scenario with a recorded truth', () => {
  const workers = [{ count: 3, profile: 'honest' }];
  const recorded = { workers, truth: 'recorded recorded-btc-usd.ndjson' };

  it('reads the file next to the scenario, and starts where the recording does', () => {
    const scenario = parseScenario({ ...recorded, requests: 10 }, 'recorded', {}, 'scenarios');
    expect(scenario.truth.source).toBe('recorded recorded-btc-usd.ndjson');
    expect(scenario.startMs).toBe(Date.parse('2026-03-02T14:00:00Z'));
    expect(scenario.truth.priceAt('BTC/USD', scenario.startMs)).toBeCloseTo(64_271, 0);
    expect(parseScenario({ workers }, 'market').truth).toMatchObject({ source: 'market', priceAt: marketTruth });
  });

  it.each([
    [{ truth: 'recorded' }, /^truth must be market or "recorded <file>", got "recorded"$/],
    [{ truth: 'recorded missing.ndjson' }, /^truth: cannot read missing\.ndjson: ENOENT$/],
    [{ query: 'ETH/USD' }, /^truth: recorded-btc-usd\.ndjson has no prices for ETH\/USD \(it has BTC\/USD\)$/],
    [{ start: '2026-03-02T13:59:00Z' }, /^start 2026-03-02T13:59:00\.000Z is before the recording begins/],
    [{ requests: 200 }, /after the recording ends \(2026-03-02T14:19:55\.000Z\): at most 120 requests of 10 s fit$/],
    [{ start_before_jump_windows: 3 }, /^start_before_jump_windows finds the synthetic market’s jumps/],
    [{ feed: { duration_ms: 3_600_000 } }, /after the recording ends/],
  ])('refuses %j', (fields, message) => {
    expect(() => parseScenario({ ...recorded, ...fields }, 'recorded', {}, 'scenarios')).toThrow(ScenarioError);
    expect(() => parseScenario({ ...recorded, ...fields }, 'recorded', {}, 'scenarios')).toThrow(message);
  });
});
