/** The simulation as an observer: it carries out task plans (simulation.ts), with real waiting. */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProblemError } from '../http/problems.ts';
import { marketTruth, type Truth } from '../market/truth.ts';
import type { Observation, PriceObserver } from './observer.ts';
import { planTask, taskRandom, type SimulationSettings } from './simulation.ts';

/** A hanging worker gives up after this long, far past any deadline the coordinator accepts. */
const HANG_LIMIT_MS = 10 * 60_000;

export class SimulatedObserver implements PriceObserver {
  constructor(
    private readonly settings: SimulationSettings,
    /** With the query and the moment priced, decides every random draw of a task. */
    private readonly seed: number,
    private readonly truth: Truth = marketTruth,
  ) {}

  /** Throws a SIMULATED_OUTAGE ProblemError for a hard failure (an outage, or a hang that outlasts everyone). */
  async observe(query: string, asOfMs: number, signal: AbortSignal): Promise<Observation> {
    const plan = planTask(query, this.settings, taskRandom(this.seed, query, asOfMs), asOfMs, this.truth);
    await sleep(plan.kind === 'hang' ? HANG_LIMIT_MS : plan.delayMs, undefined, { signal });
    switch (plan.kind) {
      case 'value':
        return { value: plan.value };
      case 'error':
        return { err: 'simulated failure: price source unavailable' };
      case 'outage':
      case 'hang':
        throw new ProblemError('SIMULATED_OUTAGE', 'The simulated price source is down');
    }
  }
}
