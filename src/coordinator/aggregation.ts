/**
 * The aggregation step of a request, free of workers and HTTP: MAD rejection over the usable
 * values, the strategy over the rest, the spread of what was used, and the consensus that every
 * answer is judged against.
 */
import type { Strategy } from '../contract/models.ts';
import { aggregate, aggregateWeightedMedian, interquartileRange, rejectOutliersMad, relativeDeviation } from './aggregator.ts';

/** One usable answer: its value, and its worker's reliability score as its weight. */
export interface Observation {
  readonly value: number;
  readonly weight: number;
}

export interface AggregationParams {
  readonly strategy: Strategy;
  /** k of MAD rejection; 0 turns it off. */
  readonly madK: number;
  /** `trimmed_mean`'s share dropped from each end. */
  readonly trim: number;
  /** Relative distance within which values agree (majority groups, MAD's floor). */
  readonly tolerance: number;
}

export type Aggregation =
  | {
      readonly ok: true;
      readonly value: number;
      /** One flag per observation: true when MAD rejection dropped it. */
      readonly rejected: readonly boolean[];
      readonly valuesUsed: number;
      /** Inter-quartile range of the values used. */
      readonly spread: number;
      /**
       * What the answers are judged against: the median of all usable answers weighted by their
       * workers' scores, so that neither one wild value nor a bloc already caught lying can make
       * the honest answers look wrong. Undefined when no strict majority of the answers agrees
       * with it (one against one, two against two): then nobody can tell who is wrong, and
       * nobody is judged.
       */
      readonly consensus: number | undefined;
    }
  | {
      readonly ok: false;
      readonly code: 'NO_USABLE_ANSWER' | 'NO_MAJORITY';
      readonly reason: string;
      readonly rejected: readonly boolean[];
    };

export function aggregateObservations(observations: readonly Observation[], params: AggregationParams): Aggregation {
  if (observations.length === 0) return { ok: false, code: 'NO_USABLE_ANSWER', reason: 'no usable answer', rejected: [] };
  const values = observations.map((o) => o.value);
  const rejected = params.madK > 0 ? rejectOutliersMad(values, params.madK, params.tolerance) : values.map(() => false);
  // MAD rejection keeps at least half of the values, so `used` is never empty.
  const used = observations.filter((_, i) => rejected[i] !== true);
  const usedValues = used.map((o) => o.value);
  const outcome = aggregate(params.strategy, usedValues, {
    majorityTolerance: params.tolerance,
    trim: params.trim,
    weights: used.map((o) => o.weight),
  });
  if (!outcome.ok) return { ok: false, code: 'NO_MAJORITY', reason: outcome.reason, rejected };
  return {
    ok: true,
    value: outcome.value,
    rejected,
    valuesUsed: used.length,
    spread: interquartileRange(usedValues),
    consensus: majorityConsensus(
      values,
      observations.map((o) => o.weight),
      params.tolerance,
    ),
  };
}

function majorityConsensus(values: readonly number[], weights: readonly number[], tolerance: number): number | undefined {
  const candidate = aggregateWeightedMedian(values, weights);
  const agreeing = values.filter((value) => Math.abs(relativeDeviation(value, candidate)) <= tolerance).length;
  return agreeing * 2 > values.length ? candidate : undefined;
}
