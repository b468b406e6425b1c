/**
 * What a simulated oracle does with one task: how long it takes, whether and how it fails, and
 * the value it reports (the market's true price plus relative noise). Planning is pure: given
 * the same random source it gives the same plans, which is what makes `--seed` reproducible.
 */
import { truePrice } from '../shared/market.ts';
import type { Random } from '../shared/random.ts';

/** `error`: a 200 WorkerResult with `err` set; `outage`: a 503 problem; `hang`: no answer at all. */
export const FAILURE_MODES = ['error', 'outage', 'hang'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export interface SimulationSettings {
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability in [0, 1] that a task fails. */
  failureRate: number;
  failureModes: readonly FailureMode[];
  /** Relative noise: values fall uniformly within ±noise of the true price. */
  noise: number;
}

export type TaskPlan = { delayMs: number } & ({ kind: 'value'; value: number } | { kind: FailureMode });

export function planTask(query: string, settings: SimulationSettings, random: Random, nowMs: number): TaskPlan {
  // Always draw the same four numbers, so one task's outcome never shifts the next task's stream.
  const delayDraw = random();
  const failureDraw = random();
  const modeDraw = random();
  const noiseDraw = random();
  const low = Math.min(settings.minDelayMs, settings.maxDelayMs);
  const delayMs = Math.round(low + (Math.max(settings.minDelayMs, settings.maxDelayMs) - low) * delayDraw);
  if (failureDraw < settings.failureRate && settings.failureModes.length > 0) {
    const mode = settings.failureModes[Math.floor(modeDraw * settings.failureModes.length)] as FailureMode;
    return { delayMs, kind: mode };
  }
  const value = truePrice(query, nowMs) * (1 + settings.noise * (noiseDraw * 2 - 1));
  return { delayMs, kind: 'value', value };
}

