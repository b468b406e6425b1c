import { describe, expect, it } from 'vitest';
import type { OracleResult, Round } from '../../src/contract/models.ts';
import { packRound, unpackRound } from '../../src/coordinator/rounds/packed-round.ts';
import { fullRounds } from '../store/round-store-contract.ts';

function resultOf(round: Round): OracleResult {
  if (round.result === undefined) throw new Error(`round ${round.request_id} has no result`);
  return round.result;
}

describe('packed rounds', () => {
  const [full, failed, foreign] = fullRounds();

  it('keeps a breakdown and a report as flat arrays, signatures as bytes, instants as milliseconds', () => {
    const packed = packRound(full);
    expect(packed.shell.result?.worker_responses).toEqual([]);
    expect(packed.shell.result?.report?.observations).toEqual([]);
    expect(packed.responses?.refs).toHaveLength(4 * 5);
    expect(packed.responses?.numbers).toHaveLength(4 * 3);
    expect(packed.responses?.signatures).toBeDefined();
    expect(packed.observations?.numbers).toHaveLength(3 * 4);
    // w1's observed_at and signature as milliseconds and bytes, w4's as the text they came as.
    expect(packed.responses?.refs.slice(0, 5)).toEqual(['w1', '3ms', undefined, undefined, undefined]);
    expect(packed.responses?.numbers.slice(0, 3)).toEqual([-0, 3, Date.parse('2026-12-01T00:00:00.005Z')]);
    expect(packed.responses?.refs.slice(15, 20)).toEqual(['w4', '3ms', undefined, '2026-12-01T00:00:00.005+00:00', `${'B'.repeat(86)}==`]);
    // The observations point at w1's bytes; w4's and w5's signatures stay text.
    expect(packed.observations?.numbers.filter((_, i) => i % 4 === 3)).toEqual([0, -1, -1]);
    expect(packRound(failed).responses?.refs).toHaveLength(5);
  });

  it('rebuilds every member, in the order the coordinator writes them, -0 included', () => {
    for (const round of [full, failed, foreign]) expect(JSON.stringify(unpackRound(packRound(round)))).toBe(JSON.stringify(round));
    const unpacked = unpackRound(packRound(full));
    expect(unpacked).toStrictEqual(full);
    expect(Object.is(resultOf(unpacked).worker_responses[0]?.value, -0)).toBe(true);
  });

  it('keeps as text an instant or a signature that milliseconds or bytes would not give back the same', () => {
    const round = fullRounds()[0];
    const result = resultOf(round);
    const first = result.worker_responses[0];
    if (first === undefined) throw new Error('no response to copy');
    const texts = [
      ['2026-02-30T00:00:00.000Z', `${'A'.repeat(85)}B==`],
      ['2026-01-01T24:00:00.000Z', `${'-'.repeat(86)}==`],
      ['2026-01-01T00:00:00Z', `${'A'.repeat(84)} A==`],
      ['2026-01-01t00:00:00.000z', `${'A'.repeat(86)}=`],
    ] as const;
    result.worker_responses = texts.map(([observed_at, signature], i) => ({ ...first, worker_id: `w${i}`, observed_at, signature }));
    const packed = packRound(round);
    for (const [i, text] of texts.entries()) expect(packed.responses?.refs.slice(i * 5 + 3, i * 5 + 5)).toEqual(text);
    expect(JSON.stringify(unpackRound(packed))).toBe(JSON.stringify(round));
  });

  it('leaves an array as it came when a member is unknown or a response is about another request', () => {
    const packed = packRound(foreign);
    expect(packed.responses).toBeUndefined();
    expect(packed.shell).toBe(foreign);
    const result = resultOf(full);
    const undefinedMember = { ...result.worker_responses[0], err: undefined } as (typeof result.worker_responses)[number];
    const other = { ...full, result: { ...result, worker_responses: [undefinedMember] } };
    expect(packRound(other).responses).toBeUndefined();
    expect(packRound(other).observations).toBeDefined();
  });

  it('leaves the round it was given as it was', () => {
    const round = fullRounds()[0];
    const before = JSON.stringify(round);
    const packed = packRound(round);
    expect(JSON.stringify(round)).toBe(before);
    expect(unpackRound(packed).result).not.toBe(round.result);
  });
});
