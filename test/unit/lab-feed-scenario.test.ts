import { describe, expect, it } from 'vitest';
import { parseScenario, parseSweep, ScenarioError } from '../../src/lab/scenario.ts';

const workers = [{ count: 3, profile: 'honest' }];

describe('a scenario with a feed block', () => {
  it('takes the defaults, and makes its polls the requests', () => {
    const scenario = parseScenario({ workers, feed: {} }, 'feed');
    expect(scenario.feed).toEqual({
      setting: { deviationBps: 50, heartbeatMs: 600_000 },
      pollIntervalMs: 10_000,
      durationMs: 3_600_000,
      minAnswer: undefined,
      maxAnswer: undefined,
    });
    expect(scenario.requests).toBe(360);
    expect(scenario.stepMs).toBe(10_000);
  });

  it('polls at every interval inside the duration, --duration-ms first', () => {
    const feed = { poll_interval_ms: 7_000, duration_ms: 60_000, deviation_bps: 12.5, heartbeat_ms: 7_000 };
    const scenario = parseScenario({ workers, feed }, 'feed');
    expect(scenario.requests).toBe(9); // 0, 7 s, …, 56 s
    expect(scenario.stepMs).toBe(7_000);
    expect(scenario.feed?.setting).toEqual({ deviationBps: 12.5, heartbeatMs: 7_000 });
    expect(parseScenario({ workers, feed }, 'feed', { durationMs: 14_000 }).requests).toBe(2);
    expect(parseScenario({ workers }, 'plain').feed).toBeUndefined();
  });

  it.each([
    [{ feed: { deviation_bps: -1 } }, 'feed.deviation_bps must be a number from 0 to 100000'],
    [{ feed: { heartbeat_ms: 1.5 } }, 'feed.heartbeat_ms must be a number from 10 to 604800000'],
    [{ feed: { heartbeat_ms: 5_000 } }, 'feed.heartbeat_ms must not be shorter than poll_interval_ms (10000)'],
    [{ feed: { min_answer: 10, max_answer: 5 } }, 'feed.min_answer must not be above max_answer (5)'],
    [{ feed: { duration_ms: 1_000 } }, 'feed.duration_ms must be a number from 10000 to 2678400000'],
    [
      { feed: { poll_interval_ms: 10, duration_ms: 86_400_000 } },
      'feed: 8640000 polls (duration_ms / poll_interval_ms) are more than 100000',
    ],
    [{ feed: { threshold: 5 } }, 'feed: unknown field(s) threshold'],
    [{ feed: 'often' }, 'feed must be a mapping'],
    [{ feed: {}, requests: 10, step_ms: 5 }, 'requests, step_ms: not for a feed study'],
  ])('refuses %j', (fields, message) => {
    expect(() => parseScenario({ workers, ...fields }, 'feed')).toThrow(ScenarioError);
    expect(() => parseScenario({ workers, ...fields }, 'feed')).toThrow(message);
  });

  it('refuses --requests for a feed study and --duration-ms without one', () => {
    expect(() => parseScenario({ workers, feed: {} }, 'feed', { requests: 5 })).toThrow('--requests: not for a feed study');
    expect(() => parseScenario({ workers }, 'plain', { durationMs: 5 })).toThrow('--duration-ms applies to a feed study only');
  });
});

describe('--sweep', () => {
  const scenario = parseScenario({ workers, feed: { deviation_bps: 50, heartbeat_ms: 600_000 } }, 'feed');

  it('varies one field and keeps the other from the feed block', () => {
    expect(parseSweep('deviation_bps=10,25,50,100', scenario)).toEqual([
      { deviationBps: 10, heartbeatMs: 600_000 },
      { deviationBps: 25, heartbeatMs: 600_000 },
      { deviationBps: 50, heartbeatMs: 600_000 },
      { deviationBps: 100, heartbeatMs: 600_000 },
    ]);
    expect(parseSweep('heartbeat_ms=60000,60000,3600000', scenario)).toEqual([
      { deviationBps: 50, heartbeatMs: 60_000 },
      { deviationBps: 50, heartbeatMs: 3_600_000 },
    ]);
  });

  it('makes a grid of two fields, threshold first, separated by spaces or semicolons', () => {
    const grid = [
      { deviationBps: 10, heartbeatMs: 60_000 },
      { deviationBps: 10, heartbeatMs: 600_000 },
      { deviationBps: 25, heartbeatMs: 60_000 },
      { deviationBps: 25, heartbeatMs: 600_000 },
    ];
    expect(parseSweep('heartbeat_ms=60000,600000 deviation_bps=10,25', scenario)).toEqual(grid);
    expect(parseSweep('deviation_bps=10,25;heartbeat_ms=60000,600000', scenario)).toEqual(grid);
  });

  it.each([
    ['poll_interval_ms=1000,5000', '--sweep cannot vary poll_interval_ms'],
    ['deviation_bps=10,,25', '--sweep deviation_bps=: feed.deviation_bps must be a number from 0 to 100000'],
    ['deviation_bps=ten', '--sweep deviation_bps=ten: feed.deviation_bps must be a number'],
    ['heartbeat_ms=5000', '--sweep heartbeat_ms=5000: feed.heartbeat_ms must not be shorter than poll_interval_ms (10000)'],
    ['deviation_bps=10 deviation_bps=20', '--sweep: deviation_bps is given twice'],
    ['strategy=median', '--sweep: "strategy=median" is not FIELD=V1,V2,…'],
    ['deviation_bps', '--sweep: "deviation_bps" is not FIELD=V1,V2,…'],
    [' ', '--sweep: give at least one FIELD=V1,V2,…'],
  ])('refuses %j', (text, message) => {
    expect(() => parseSweep(text, scenario)).toThrow(message);
  });

  it('needs a feed block', () => {
    expect(() => parseSweep('deviation_bps=10', parseScenario({ workers }, 'plain'))).toThrow(
      '--sweep needs a feed study; plain has no feed block',
    );
  });
});
