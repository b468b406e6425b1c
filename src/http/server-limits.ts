/**
 * How long a client may take to send a request, how long an idle connection stays open, and
 * how many connections a service holds at once: the same settings for both services, each with
 * a flag and a variable under the service's prefix (COORDINATOR_…, WORKER_…).
 */
import { integerOption } from '../cli/options.ts';

export interface ServerLimits {
  /** Until the request line and headers are in; 408 after it. At most `requestTimeoutMs`. */
  headersTimeoutMs: number;
  /** Until the whole request, body included, is in; 408 after it. Producing the answer does not count. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; more are closed as soon as they are accepted. */
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/** The option table entries, for a service whose variables start with `envPrefix`. */
export function serverLimitOptions(envPrefix: 'COORDINATOR' | 'WORKER') {
  return {
    headersTimeoutMs: integerOption(
      'How long a client may take to send the request line and headers, in ms (408 after it; at most the request timeout)',
      `${envPrefix}_HEADERS_TIMEOUT_MS`,
      DEFAULT_SERVER_LIMITS.headersTimeoutMs,
      100,
      600_000,
    ),
    requestTimeoutMs: integerOption(
      'How long a client may take to send a whole request, body included, in ms (408 after it; the answer may take longer)',
      `${envPrefix}_REQUEST_TIMEOUT_MS`,
      DEFAULT_SERVER_LIMITS.requestTimeoutMs,
      100,
      3_600_000,
    ),
    keepAliveTimeoutMs: integerOption(
      'How long an idle keep-alive connection stays open, in ms',
      `${envPrefix}_KEEP_ALIVE_TIMEOUT_MS`,
      DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs,
      100,
      600_000,
    ),
    maxConnections: integerOption(
      'Most connections open at once; more are closed as they arrive',
      `${envPrefix}_MAX_CONNECTIONS`,
      DEFAULT_SERVER_LIMITS.maxConnections,
      1,
      1_000_000,
    ),
  };
}

/** The server limits out of a service's configuration. */
export function serverLimitsOf(config: ServerLimits): ServerLimits {
  return {
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    maxConnections: config.maxConnections,
  };
}

/**
 * How often Node looks for connections past their headers or request timeout. Node 20 looks
 * every 30 s by default: under its own 60 s headers timeout a slowloris connection lived 60 to
 * 90 s, and under a 10 s one it would live up to 40 s. A tenth of the shorter timeout, from 25 ms
 * to 1 s, keeps the overshoot to a tenth and the sweep cheap.
 */
export function connectionsCheckingIntervalMs(limits: ServerLimits): number {
  return Math.min(1000, Math.max(25, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10)));
}
