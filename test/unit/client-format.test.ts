/** The client's one-line rendering of a feed publication. */
import { describe, expect, it } from 'vitest';
import { formatUpdate } from '../../src/client/format.ts';
import type { FeedValue } from '../../src/contract/models.ts';

const publication: FeedValue = {
  feed_id: 'btc-usd',
  query: 'BTC/USD',
  value: 42135.5,
  round_id: 'r7',
  sequence: 7,
  published_at: '2026-11-29T17:40:00.210Z',
  age_ms: 0,
  reason: 'deviation',
  deviation_bps: 61.2,
  workers_answered: 3,
  spread: 12.4,
  stale: false,
};

describe('formatUpdate', () => {
  it('writes the move in bps, however large, and "from 0" only for a move away from 0', () => {
    expect(formatUpdate(publication)).toBe('17:40:00.210 btc-usd 42,135.50 deviation 61.2 bps (#7, 3 workers, round r7)\n');
    // A price 151 times its last: a real move of 1,500,000 bps.
    expect(formatUpdate({ ...publication, deviation_bps: 1_500_000 })).toContain(' deviation 1500000.0 bps ');
    expect(formatUpdate({ ...publication, deviation_bps: Number.MAX_VALUE })).toContain(' deviation from 0 ');
  });
});
