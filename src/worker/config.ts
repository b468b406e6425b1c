import { choiceOption, integerOption, listOption, numberOption, secretOption, stringOption, type OptionValues } from '../cli/options.ts';
import { serverLimitOptions } from '../http/server-limits.ts';
import { LOG_LEVELS } from '../logging/logger.ts';
import { BASE_SIMULATION, BYZANTINE_MODES, FAILURE_MODES, PROFILES, simulationFor, type SimulationSettings } from './simulation.ts';

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
  profile: choiceOption('Fault profile: what kind of oracle this worker simulates', 'WORKER_PROFILE', PROFILES, 'honest'),
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
  byzantineMode: choiceOption(
    'byzantine: a consistent bias, or wild values from truth/10 to truth×10',
    'WORKER_BYZANTINE_MODE',
    BYZANTINE_MODES,
    'bias',
  ),
  staleWindows: integerOption(
    "How many 10 s market windows behind a stale worker reads; default the profile's",
    'WORKER_STALE_WINDOWS',
    undefined,
    0,
    1_000_000,
  ),
  seed: integerOption('Seed for the simulation, for reproducible runs; random when unset', 'WORKER_SEED', undefined, 0, 4_294_967_295),
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
  const explicit: Partial<SimulationSettings> = { byzantineMode: config.byzantineMode };
  if (config.minDelayMs !== undefined) explicit.minDelayMs = config.minDelayMs;
  if (config.maxDelayMs !== undefined) explicit.maxDelayMs = config.maxDelayMs;
  if (config.failureRate !== undefined) explicit.failureRate = config.failureRate;
  if (config.failureModes !== undefined) explicit.failureModes = config.failureModes;
  if (config.noise !== undefined) explicit.noise = config.noise;
  if (config.bias !== undefined) explicit.bias = config.bias;
  if (config.staleWindows !== undefined) explicit.staleWindows = config.staleWindows;
  return simulationFor(config.profile, explicit);
}
