/**
 * A recording of real prices (a sourced worker's `--record` file) as the lab's ground truth, so
 * that strategies and feed settings can be studied on real price paths: the truth of a pair at a
 * moment is the median, across the recording's sources, of each source's latest value at or
 * before that moment. A moment before the pair's first observation reads the first one (so that
 * stale workers have something to lag behind at the start); the scenario keeps its requests
 * inside the recording, so nothing after the last one is ever invented.
 */
import { readFileSync } from 'node:fs';
import { parseRecording, type RecordedObservation } from '../market/recording.ts';
import type { Truth } from '../market/truth.ts';
import { median } from '../stats/quantiles.ts';

/** One source's observations of one pair, in time order. */
interface Series {
  readonly times: Float64Array;
  readonly values: Float64Array;
}

export interface RecordedSpan {
  readonly firstMs: number;
  readonly lastMs: number;
  readonly sources: readonly string[];
  readonly observations: number;
}

export class RecordedTruth {
  readonly #series = new Map<string, Series[]>();
  readonly #spans = new Map<string, RecordedSpan>();

  constructor(
    /** The file, for messages and the scenario's JSON record. */
    readonly path: string,
    observations: readonly RecordedObservation[],
  ) {
    const grouped = new Map<string, Map<string, RecordedObservation[]>>();
    for (const observation of observations) {
      const bySource = grouped.get(observation.query) ?? new Map<string, RecordedObservation[]>();
      grouped.set(observation.query, bySource);
      const list = bySource.get(observation.source) ?? [];
      bySource.set(observation.source, list);
      list.push(observation);
    }
    for (const [query, bySource] of grouped) {
      // A stable sort: of two observations at one moment, the later line wins.
      const series = [...bySource.values()].map((list) => {
        const sorted = [...list].sort((a, b) => a.atMs - b.atMs);
        return { times: Float64Array.from(sorted, (o) => o.atMs), values: Float64Array.from(sorted, (o) => o.value) };
      });
      this.#series.set(query, series);
      const firsts = series.map((s) => s.times[0] ?? Infinity);
      const lasts = series.map((s) => s.times[s.times.length - 1] ?? -Infinity);
      this.#spans.set(query, {
        firstMs: Math.min(...firsts),
        lastMs: Math.max(...lasts),
        sources: [...bySource.keys()].sort(),
        observations: series.reduce((sum, s) => sum + s.times.length, 0),
      });
    }
  }

  /** Reads a recording; throws a RecordingError naming the line of a bad one. */
  static load(path: string, label = path): RecordedTruth {
    return new RecordedTruth(label, parseRecording(readFileSync(path, 'utf8'), label));
  }

  /** Which moments the recording covers for `query`, from which sources; undefined when it has none. */
  spanOf(query: string): RecordedSpan | undefined {
    return this.#spans.get(query);
  }

  queries(): string[] {
    return [...this.#spans.keys()].sort();
  }

  /** The truth of `query` at `atMs`; a RangeError for a pair the recording does not have. */
  priceAt(query: string, atMs: number): number {
    const series = this.#series.get(query);
    const span = this.#spans.get(query);
    if (series === undefined || span === undefined) throw new RangeError(`${this.path} has no prices for ${query}`);
    const at = Math.max(atMs, span.firstMs);
    const latest = series.flatMap((s) => {
      const index = lastIndexAtOrBefore(s.times, at);
      return index < 0 ? [] : [s.values[index] as number];
    });
    // At `at` ≥ the first observation, at least the source that made it has a value.
    return median(latest) as number;
  }

  /** The Truth function simulated workers and the scorecard read. */
  readonly truth: Truth = (query, atMs) => this.priceAt(query, atMs);

  /** In the lab's JSON records: which file, not every price again. */
  toJSON(): { recorded: string; queries: Record<string, RecordedSpan> } {
    return { recorded: this.path, queries: Object.fromEntries(this.#spans) };
  }
}

/** The index of the last time ≤ `at`, or −1 (binary search over times in ascending order). */
function lastIndexAtOrBefore(times: Float64Array, at: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((times[middle] as number) <= at) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
