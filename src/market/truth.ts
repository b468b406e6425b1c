/**
 * Where simulated workers read the true price, and where the lab scores answers: the synthetic
 * market by default, or a recording of real prices (src/lab/recorded-truth.ts). Simulated
 * workers shape this truth with their profile (noise, bias, staleness); it must be a pure
 * function of the query and the moment, so that runs replay exactly under their seed.
 */
import { truePrice } from './market.ts';

export type Truth = (query: string, atMs: number) => number;

export const marketTruth: Truth = (query, atMs) => truePrice(query, atMs);
