import { describe, expect, it } from 'vitest';
import type { PollResult } from '../../src/coordinator/feeds/update-rule.ts';
import { replayFeed, type RecordedPoll } from '../../src/lab/feed-replay.ts';

const answered = (value: number, partial = false): PollResult => ({ answered: true, value, partial });
const poll = (atMs: number, truth: number, result: PollResult): RecordedPoll => ({ atMs, truth, result });
const bps = (read: number, truth: number) => (Math.abs(read - truth) / truth) * 10_000;

describe('the offline feed replay', () => {
  // 100 bps threshold, a 30 s heartbeat, a poll every 10 s.
  const policy = { deviationBps: 100, heartbeatMs: 30_000, maxAnswer: 150 };
  const polls = [
    poll(0, 100, { answered: false }), // nothing to publish, nothing to read
    poll(10_000, 100, answered(101, true)), // partial: never published
    poll(20_000, 100, answered(100)), // first
    poll(30_000, 101, answered(100.5)), // 50 bps: unchanged; the reader still reads 100
    poll(40_000, 101, answered(101)), // exactly 100 bps: deviation
    poll(50_000, 101.2, answered(101.2)), // unchanged
    poll(60_000, 101.3, answered(101.3)), // unchanged
    poll(70_000, 101, answered(101.1)), // 30 s since the last publication: heartbeat
    poll(80_000, 101, answered(200)), // out of bounds
  ];
  const replay = replayFeed(polls, policy, 90_000);

  it('publishes what the update rule publishes, at the simulated moment of each poll', () => {
    expect(replay.publications).toEqual([
      { pollIndex: 2, atMs: 20_000, value: 100, reason: 'first' },
      { pollIndex: 4, atMs: 40_000, value: 101, reason: 'deviation' },
      { pollIndex: 7, atMs: 70_000, value: 101.1, reason: 'heartbeat' },
    ]);
    expect(replay.figures.byReason).toEqual({ first: 1, deviation: 1, heartbeat: 1 });
    expect(replay.figures.skipped).toEqual({ no_usable_answer: 1, partial: 1, out_of_bounds: 1, unchanged: 3 });
    expect(replay.figures.publications).toBe(3);
    expect(replay.figures.perHour).toBeCloseTo(120, 9); // 3 in 90 s of simulated time
  });

  it('scores the latest publication, that moment’s included, and nothing before the first', () => {
    const expected = [undefined, undefined, 0, bps(100, 101), 0, bps(101, 101.2), bps(101, 101.3), bps(101.1, 101), bps(101.1, 101)];
    expect(replay.readerErrorsBps).toHaveLength(expected.length);
    replay.readerErrorsBps.forEach((error, i) => {
      if (expected[i] === undefined) expect(error, `moment ${i}`).toBeUndefined();
      else expect(error, `moment ${i}`).toBeCloseTo(expected[i], 9);
    });
    const served = expected.filter((e) => e !== undefined);
    expect(replay.figures.unserved).toBe(2);
    expect(replay.figures.meanErrorBps).toBeCloseTo(served.reduce((a, b) => a + b, 0) / served.length, 9);
    expect(replay.figures.maxErrorBps).toBeCloseTo(bps(100, 101), 9);
    expect(replay.figures.p99ErrorBps).toBeCloseTo(bps(100, 101), 9);
  });

  it('measures the longest gap between publications, the stretch after the last one included', () => {
    expect(replay.figures.longestGapMs).toBe(30_000);
    // The last publication at 20 s and polls until 90 s: the open stretch is the longest.
    const quiet = replayFeed(
      [poll(0, 100, { answered: false }), ...polls.slice(2, 4), poll(90_000, 101, { answered: false })],
      policy,
      100_000,
    );
    expect(quiet.publications.map((p) => p.atMs)).toEqual([20_000]);
    expect(quiet.figures.longestGapMs).toBe(70_000);
  });

  it('keeps a flat price on the heartbeat alone', () => {
    const flat = Array.from({ length: 10 }, (_, i) => poll(i * 10_000, 100, answered(100)));
    const { publications, figures } = replayFeed(flat, policy, 100_000);
    expect(publications.map((p) => [p.atMs, p.reason])).toEqual([
      [0, 'first'],
      [30_000, 'heartbeat'],
      [60_000, 'heartbeat'],
      [90_000, 'heartbeat'],
    ]);
    expect(figures.longestGapMs).toBe(30_000);
    expect(figures.maxErrorBps).toBe(0);
  });

  it('has no error figures and no gap when nothing was ever published', () => {
    const { publications, readerErrorsBps, figures } = replayFeed(
      [poll(0, 100, { answered: false }), poll(10_000, 100, answered(100, true))],
      policy,
      20_000,
    );
    expect(publications).toEqual([]);
    expect(readerErrorsBps).toEqual([undefined, undefined]);
    expect(figures).toMatchObject({ publications: 0, perHour: 0, unserved: 2, longestGapMs: undefined });
    expect(figures.meanErrorBps).toBeUndefined();
    expect(figures.p99ErrorBps).toBeUndefined();
    expect(figures.maxErrorBps).toBeUndefined();
  });
});
