import {
  choiceOption,
  flagName,
  integerOption,
  listOption,
  numberOption,
  optionalChoiceOption,
  secretOption,
  stringOption,
  UsageError,
  type OptionValues,
} from '../cli/options.ts';
import { serverLimitOptions } from '../http/server-limits.ts';
import { LOG_LEVELS, type Logger } from '../logging/logger.ts';
import { networksOption } from '../net/networks-option.ts';
import type { WorkerObservation } from './server.ts';
import { BASE_SIMULATION, BYZANTINE_MODES, FAILURE_MODES, PROFILES, simulationFor, type SimulationSettings } from './simulation.ts';
import { loadSourcesFile, SourcesFileError } from './sources/definitions.ts';
import { openRecorder, type Recorder } from './sources/recorder.ts';
import { createSourcedObserver } from './sources/sourced-observer.ts';
import { createSourcePolicy } from './sources/source-policy.ts';

const WORKER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const workerOptions = {
  id: stringOption('Worker id, unique among the workers of one coordinator', 'WORKER_ID', 'worker-1', WORKER_ID_PATTERN),
  host: stringOption('Interface to listen on', 'WORKER_HOST', '127.0.0.1'),
  port: integerOption('Port to listen on; 0 picks a free one', 'WORKER_PORT', 8081, 0, 65535),
  coordinator: stringOption('Coordinator base URL to register with', 'COORDINATOR_URL', 'http://127.0.0.1:8080', /^https?:\/\/\S+$/),
  endpoint: stringOption(
    'Base URL the coordinator should call; default http://<host>:<port>',
    'WORKER_ENDPOINT',
    undefined,
    /^https?:\/\/\S+$/,
  ),
  profile: optionalChoiceOption(
    'Fault profile: what kind of oracle this worker simulates',
    'WORKER_PROFILE',
    PROFILES,
    BASE_SIMULATION.profile,
  ),
  minDelayMs: integerOption(
    `Shortest simulated processing delay in ms; default ${BASE_SIMULATION.minDelayMs}, or the profile's`,
    'WORKER_MIN_DELAY_MS',
    undefined,
    0,
    60000,
  ),
  maxDelayMs: integerOption(
    `Longest simulated processing delay in ms; default ${BASE_SIMULATION.maxDelayMs}, or the profile's`,
    'WORKER_MAX_DELAY_MS',
    undefined,
    0,
    60000,
  ),
  failureRate: numberOption(
    `Probability that a task fails; default ${BASE_SIMULATION.failureRate}, or the profile's`,
    'WORKER_FAILURE_RATE',
    undefined,
    0,
    1,
  ),
  failureModes: listOption('How a failing task fails; default all', 'WORKER_FAILURE_MODES', FAILURE_MODES, undefined),
  noise: numberOption(
    `Relative noise: values fall within ±noise of what the profile reports; default ${BASE_SIMULATION.noise}, or the profile's`,
    'WORKER_NOISE',
    undefined,
    0,
    1,
  ),
  bias: numberOption(
    "Relative error of byzantine (bias mode) and colluding workers; default the profile's",
    'WORKER_BIAS',
    undefined,
    -0.99,
    100,
  ),
  byzantineMode: optionalChoiceOption(
    'byzantine: a consistent bias, or wild values from truth/10 to truth×10',
    'WORKER_BYZANTINE_MODE',
    BYZANTINE_MODES,
    BASE_SIMULATION.byzantineMode,
  ),
  staleWindows: integerOption(
    "How many 10 s market windows behind a stale worker reads; default the profile's",
    'WORKER_STALE_WINDOWS',
    undefined,
    0,
    1_000_000,
  ),
  seed: integerOption('Seed for the simulation, for reproducible runs; random when unset', 'WORKER_SEED', undefined, 0, 4_294_967_295),
  sources: stringOption(
    'YAML or JSON file of real price sources: the worker answers from them instead of simulating (no --profile then)',
    'WORKER_SOURCES',
    undefined,
  ),
  record: stringOption('With --sources: append every upstream observation to this NDJSON file', 'WORKER_RECORD', undefined),
  allowedSourceNetworks: networksOption(
    'Comma-separated CIDRs or addresses beyond the public internet that sources may live at (e.g. 127.0.0.0/8), or * (link-local and metadata addresses are always refused)',
    'WORKER_ALLOWED_SOURCE_NETWORKS',
    [],
  ),
  heartbeatIntervalMs: integerOption(
    'How often to tell the coordinator this worker is alive, in ms',
    'WORKER_HEARTBEAT_INTERVAL_MS',
    5000,
    10,
    3_600_000,
  ),
  shutdownGraceMs: integerOption('On SIGTERM, how long tasks in flight may finish, in ms', 'WORKER_SHUTDOWN_GRACE_MS', 10000, 0, 600_000),
  registrationToken: secretOption(
    'Bearer token presented to the coordinator on register, heartbeat and deregister',
    'ORACLE_REGISTRATION_TOKEN',
  ),
  taskToken: secretOption('Bearer token the coordinator must present on POST /task', 'ORACLE_TASK_TOKEN'),
  keyFile: stringOption(
    "File of this worker's Ed25519 private key, created (mode 0600) on first start; default ~/.config/oracle-network/workers/<id>.key",
    'WORKER_KEY_FILE',
    undefined,
  ),
  privateKey: secretOption(
    "This worker's Ed25519 private key itself (PKCS #8 PEM, or base64 of the seed), instead of a key file",
    'WORKER_PRIVATE_KEY',
  ),
  bodyLimit: integerOption('Largest accepted request body in bytes', 'WORKER_BODY_LIMIT', 65536, 256, 10_485_760),
  ...serverLimitOptions('WORKER'),
  logLevel: choiceOption('Log level', 'LOG_LEVEL', LOG_LEVELS, 'info'),
};

export type WorkerConfig = OptionValues<typeof workerOptions>;

/** The profile's preset, overridden by every knob that was set explicitly. */
export function simulationOf(config: WorkerConfig): SimulationSettings {
  const explicit: Partial<SimulationSettings> = {};
  if (config.byzantineMode !== undefined) explicit.byzantineMode = config.byzantineMode;
  if (config.minDelayMs !== undefined) explicit.minDelayMs = config.minDelayMs;
  if (config.maxDelayMs !== undefined) explicit.maxDelayMs = config.maxDelayMs;
  if (config.failureRate !== undefined) explicit.failureRate = config.failureRate;
  if (config.failureModes !== undefined) explicit.failureModes = config.failureModes;
  if (config.noise !== undefined) explicit.noise = config.noise;
  if (config.bias !== undefined) explicit.bias = config.bias;
  if (config.staleWindows !== undefined) explicit.staleWindows = config.staleWindows;
  return simulationFor(config.profile ?? BASE_SIMULATION.profile, explicit);
}

/** The options that only mean something to a simulated worker. */
const SIMULATION_KNOBS = [
  'profile',
  'minDelayMs',
  'maxDelayMs',
  'failureRate',
  'failureModes',
  'noise',
  'bias',
  'byzantineMode',
  'staleWindows',
  'seed',
] as const satisfies readonly (keyof WorkerConfig)[];

/**
 * What the worker observes: the simulation, or with --sources the real sources of that file
 * (loaded and checked now, the recording opened). A worker is one or the other: --sources with a
 * simulation knob, or --record without --sources, is a UsageError, and so is a sources file with
 * an error (naming the file and the line).
 */
export function observationOf(config: WorkerConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): WorkerObservation {
  if (config.sources === undefined) {
    if (config.record !== undefined) throw new UsageError('--record needs --sources: only real sources are recorded');
    return { simulation: simulationOf(config), seed: config.seed };
  }
  const knobs = SIMULATION_KNOBS.filter((key) => config[key] !== undefined).map((key) => `--${flagName(key)}`);
  if (knobs.length > 0) {
    throw new UsageError(`--sources with ${knobs.join(', ')}: a worker is either simulated or reads real sources, not both`);
  }
  let configuration;
  try {
    configuration = loadSourcesFile(config.sources, env, createSourcePolicy(config.allowedSourceNetworks));
  } catch (error) {
    if (error instanceof SourcesFileError) throw new UsageError(error.message);
    throw error;
  }
  let recorder: Recorder | undefined;
  if (config.record !== undefined) {
    try {
      recorder = openRecorder(config.record, logger);
    } catch (error) {
      throw new UsageError(`--record: cannot open ${config.record} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { observer: createSourcedObserver({ configuration, allowedNetworks: config.allowedSourceNetworks, logger, recorder }) };
}
