/** What every measurement gets: the running processes, the run's profile, and where to report. */
import type { Fleet } from './fleet-client.ts';
import type { ServiceProcess } from './processes.ts';
import type { OracleRequestSubmission } from '../src/contract/models.ts';

export interface Profile {
  readonly name: 'quick' | 'full';
  /** Warm-up before each measured period; its figures are thrown away. */
  readonly warmupSec: number;
  /** Each measured period. */
  readonly durationSec: number;
  /** Slices the coordinator/baseline comparisons alternate in (see runInterleaved). */
  readonly rounds: number;
  /** The deadline run needs several 500 ms rounds per connection to have a p99 at all. */
  readonly deadlineDurationSec: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  quick: { name: 'quick', warmupSec: 0.5, durationSec: 1, rounds: 1, deadlineDurationSec: 1.5 },
  full: { name: 'full', warmupSec: 3, durationSec: 10, rounds: 5, deadlineDurationSec: 10 },
};

export interface BenchContext {
  readonly profile: Profile;
  readonly fleet: Fleet;
  /** The long-lived coordinator; measurements leave its registry as they found it (empty). */
  readonly coordinator: ServiceProcess;
  readonly baseline: ServiceProcess;
  /** One progress line on stderr. */
  progress(line: string): void;
  /** A measurement that did not behave (wrong statuses, errors): the run exits non-zero. */
  fail(problem: string): void;
}

/** The body of every benchmark request; scenarios add `timeout_ms` or `ask_count`. */
export const SUBMISSION: OracleRequestSubmission = { query: 'BTC/USD' };

/**
 * Concurrent connections for the throughput runs: enough to keep the service busy on 2 cores,
 * few enough that latency is not mostly time spent queued in the service.
 */
export const THROUGHPUT_CONNECTIONS = 16;
