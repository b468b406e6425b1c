import {
  booleanOption,
  choiceOption,
  integerOption,
  numberOption,
  secretOption,
  stringOption,
  UsageError,
  type Option,
  type OptionValues,
} from '../cli/options.ts';
import { serverLimitOptions } from '../http/server-limits.ts';
import { LOG_LEVELS } from '../logging/logger.ts';
import { DEFAULT_TRIM } from './aggregator.ts';
import { FeedsFileError, loadFeedsFile, type DefinedFeed } from './feeds/feed-definition.ts';
import { PRIVATE_NETWORKS } from '../net/endpoint-policy.ts';
import { networksOption } from '../net/networks-option.ts';
import { DEFAULT_HEALTH_POLICY as HEALTH, type HealthPolicy } from './worker-health.ts';
import { loadTrustedWorkers, TrustedWorkersFileError } from './trusted-workers.ts';
import type { PublicKey } from '../signing/ed25519.ts';

export const coordinatorOptions = {
  host: stringOption(
    'Interface to listen on; any but loopback needs a registration token, --trusted-workers or --insecure-open',
    'COORDINATOR_HOST',
    '127.0.0.1',
  ),
  insecureOpen: booleanOption(
    'Listen on a non-loopback interface without a registration token: anyone who can reach it may register workers',
    'COORDINATOR_INSECURE_OPEN',
  ),
  port: integerOption('Port to listen on; 0 picks a free one', 'COORDINATOR_PORT', 8080, 0, 65535),
  timeoutMs: integerOption('Default deadline of a request in ms, when it sets no timeout_ms', 'COORDINATOR_TIMEOUT_MS', 2000, 10, 60000),
  agreementTolerance: numberOption(
    'Relative distance within which values agree: majority groups, and outliers against the consensus',
    'COORDINATOR_AGREEMENT_TOLERANCE',
    HEALTH.agreementTolerance,
    0,
    0.5,
  ),
  maxWorkers: integerOption(
    'Most workers the registry holds; registering more answers 409 REGISTRY_FULL',
    'COORDINATOR_MAX_WORKERS',
    10_000,
    1,
    1_000_000,
  ),
  requestRateLimit: integerOption(
    'POST /request per client IP per minute; 0 for no limit',
    'COORDINATOR_REQUEST_RATE_LIMIT',
    0,
    0,
    10_000_000,
  ),
  registerRateLimit: integerOption(
    'POST /register per client IP per minute; 0 for no limit',
    'COORDINATOR_REGISTER_RATE_LIMIT',
    1200,
    0,
    10_000_000,
  ),
  maxWorkersPerAddress: integerOption(
    'Most worker ids one client address may hold in the registry; more answer 409 ADDRESS_LIMIT_REACHED',
    'COORDINATOR_MAX_WORKERS_PER_ADDRESS',
    1024,
    1,
    1_000_000,
  ),
  maxFanOut: integerOption(
    'Most workers asked per request, when it sets no ask_count; more are committee-sampled by reliability',
    'COORDINATOR_MAX_FAN_OUT',
    256,
    1,
    100_000,
  ),
  trim: numberOption(
    'Share of values trimmed_mean drops from each end, when a request sets no trim',
    'COORDINATOR_TRIM',
    DEFAULT_TRIM,
    0,
    0.49,
  ),
  madK: numberOption(
    'k of MAD outlier rejection applied before every strategy, when a request sets no mad_k; 0 turns it off',
    'COORDINATOR_MAD_K',
    0,
    0,
    100,
  ),
  historyLimit: integerOption('Most rounds kept in the history; the oldest go first', 'COORDINATOR_HISTORY_LIMIT', 1000, 1, 1_000_000),
  historyMaxAgeMs: integerOption(
    'Rounds older than this many ms leave the history',
    'COORDINATOR_HISTORY_MAX_AGE_MS',
    3_600_000,
    10,
    30 * 86_400_000,
  ),
  workerTtlMs: integerOption(
    'Evict workers not heard from (registration or heartbeat) for this long, in ms',
    'COORDINATOR_WORKER_TTL_MS',
    15000,
    100,
    86_400_000,
  ),
  sweepIntervalMs: integerOption('How often to look for stale workers, in ms', 'COORDINATOR_SWEEP_INTERVAL_MS', 1000, 10, 3_600_000),
  reliableThreshold: numberOption(
    'Score at or above which a worker is reliable',
    'COORDINATOR_RELIABLE_THRESHOLD',
    HEALTH.reliableThreshold,
    0,
    1,
  ),
  scoreAlpha: numberOption("Weight of the newest task in a worker's score (EWMA)", 'COORDINATOR_SCORE_ALPHA', HEALTH.scoreAlpha, 0.001, 1),
  ejectAfterFailures: integerOption(
    'Consecutive failures that eject a worker',
    'COORDINATOR_EJECT_AFTER_FAILURES',
    HEALTH.ejectAfterFailures,
    1,
    1000,
  ),
  ejectionBaseMs: integerOption(
    'Length of a first ejection in ms; it doubles with each repeat',
    'COORDINATOR_EJECTION_BASE_MS',
    HEALTH.ejectionBaseMs,
    1,
    86_400_000,
  ),
  ejectionMaxMs: integerOption('Longest ejection in ms', 'COORDINATOR_EJECTION_MAX_MS', HEALTH.ejectionMaxMs, 1, 86_400_000),
  maxEjectedShare: numberOption(
    'Largest share of the registry ejected at once',
    'COORDINATOR_MAX_EJECTED_SHARE',
    HEALTH.maxEjectedShare,
    0,
    1,
  ),
  shutdownGraceMs: integerOption(
    'On SIGTERM, how long requests in flight may finish before they are cancelled, in ms',
    'COORDINATOR_SHUTDOWN_GRACE_MS',
    10000,
    0,
    600_000,
  ),
  registrationToken: secretOption('Bearer token workers must present to register, heartbeat and deregister', 'ORACLE_REGISTRATION_TOKEN'),
  taskToken: secretOption('Bearer token the coordinator presents to workers on POST /task', 'ORACLE_TASK_TOKEN'),
  apiKey: secretOption('Bearer token clients must present on POST /request', 'ORACLE_API_KEY'),
  readToken: secretOption('Bearer token needed to read the registry, the history, the feeds and the metrics', 'ORACLE_READ_TOKEN'),
  keyFile: stringOption(
    "File of the coordinator's Ed25519 private key, which signs every report; created (mode 0600) when missing. Without it or --private-key, a key of this run only",
    'COORDINATOR_KEY_FILE',
    undefined,
  ),
  privateKey: secretOption(
    "The coordinator's Ed25519 private key itself (PKCS #8 PEM, or base64 of the seed), instead of a key file",
    'COORDINATOR_PRIVATE_KEY',
  ),
  requireSignatures: choiceOption(
    'Exclude unsigned answers and refuse workers without a key: on, off, or auto (on once the coordinator has a configured key)',
    'COORDINATOR_REQUIRE_SIGNATURES',
    ['auto', 'on', 'off'] as const,
    'auto',
  ),
  trustedWorkers: {
    description:
      'A YAML file of pinned worker keys (workers: {<id>: <base64 or PEM public key>}): only these ids, with these keys, may register',
    env: 'COORDINATOR_TRUSTED_WORKERS',
    default: undefined as ReadonlyMap<string, PublicKey> | undefined,
    parse: (path: string): ReadonlyMap<string, PublicKey> => {
      try {
        return loadTrustedWorkers(path);
      } catch (error) {
        if (error instanceof TrustedWorkersFileError) throw new UsageError(error.message);
        throw error;
      }
    },
  } satisfies Option<ReadonlyMap<string, PublicKey> | undefined>,
  bodyLimit: integerOption('Largest accepted request body in bytes', 'COORDINATOR_BODY_LIMIT', 65536, 256, 10_485_760),
  ...serverLimitOptions('COORDINATOR'),
  allowedWorkerNetworks: networksOption(
    'Comma-separated CIDRs or addresses workers may live at, or * for any (link-local and metadata addresses are always refused)',
    'COORDINATOR_ALLOWED_WORKER_NETWORKS',
    PRIVATE_NETWORKS,
  ),
  maxAnswerBytes: integerOption(
    'Largest worker answer read, in bytes; a longer one excludes the worker',
    'COORDINATOR_MAX_ANSWER_BYTES',
    65536,
    256,
    10_485_760,
  ),
  processes: integerOption(
    'Coordinator processes serving the port together (node:cluster); more than one needs --store redis://…',
    'COORDINATOR_PROCESSES',
    1,
    1,
    64,
  ),
  store: stringOption(
    'Where the coordinator keeps its state: memory, or a Redis URL (redis://host:port/db) shared by several coordinators',
    'COORDINATOR_STORE',
    'memory',
    /^(memory|rediss?:\/\/\S+)$/,
  ),
  storePrefix: stringOption(
    'What every Redis key starts with, so that one Redis can hold several networks',
    'COORDINATOR_STORE_PREFIX',
    'oracle:',
    /^[A-Za-z0-9:._-]{1,64}$/,
  ),
  feedLeaseMs: integerOption(
    "How long a feed's lease lasts unless renewed: with a shared store, a dead coordinator's feeds move to another within it",
    'COORDINATOR_FEED_LEASE_MS',
    5000,
    30,
    600_000,
  ),
  feeds: {
    description:
      'A YAML or JSON file of feeds to define at start-up (feeds: [{feed_id, query, deviation_bps, heartbeat_ms, poll_interval_ms, ...}])',
    env: 'COORDINATOR_FEEDS',
    default: [] as DefinedFeed[],
    parse: (path: string): DefinedFeed[] => {
      try {
        return loadFeedsFile(path);
      } catch (error) {
        if (error instanceof FeedsFileError) throw new UsageError(error.message);
        throw error;
      }
    },
  } satisfies Option<DefinedFeed[]>,
  adminToken: secretOption('Bearer token needed to create, replace and delete feeds', 'ORACLE_ADMIN_TOKEN'),
  sseHeartbeatMs: integerOption(
    'How often an idle feed event stream gets a comment line, so that proxies keep it open, in ms',
    'COORDINATOR_SSE_HEARTBEAT_MS',
    15_000,
    10,
    600_000,
  ),
  validateResponses: booleanOption('Check every response against the spec (slower; for testing)', 'COORDINATOR_VALIDATE_RESPONSES'),
  logLevel: choiceOption('Log level', 'LOG_LEVEL', LOG_LEVELS, 'info'),
};

export type CoordinatorConfig = OptionValues<typeof coordinatorOptions>;

export const DEFAULT_COORDINATOR_CONFIG: CoordinatorConfig = Object.fromEntries(
  Object.entries(coordinatorOptions).map(([name, option]) => [name, option.default]),
) as CoordinatorConfig;

export function healthPolicyOf(config: CoordinatorConfig): HealthPolicy {
  return {
    scoreAlpha: config.scoreAlpha,
    reliableThreshold: config.reliableThreshold,
    agreementTolerance: config.agreementTolerance,
    ejectAfterFailures: config.ejectAfterFailures,
    ejectionBaseMs: config.ejectionBaseMs,
    ejectionMaxMs: config.ejectionMaxMs,
    maxEjectedShare: config.maxEjectedShare,
  };
}
