import { choiceOption, integerOption, listOption, numberOption, stringOption, type OptionValues } from '../shared/cli.ts';
import { LOG_LEVELS } from '../shared/logging.ts';
import { FAILURE_MODES } from './simulation.ts';

const WORKER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const workerOptions = {
  id: stringOption('Worker id, unique among the workers of one coordinator', 'WORKER_ID', 'worker-1', WORKER_ID_PATTERN),
  host: stringOption('Interface to listen on', 'WORKER_HOST', '127.0.0.1'),
  port: integerOption('Port to listen on; 0 picks a free one', 'WORKER_PORT', 8081, 0, 65535),
  coordinator: stringOption('Coordinator base URL to register with', 'COORDINATOR_URL', 'http://127.0.0.1:8080', /^https?:\/\/\S+$/),
  endpoint: stringOption('Base URL the coordinator should call; default http://<host>:<port>', 'WORKER_ENDPOINT', undefined, /^https?:\/\/\S+$/),
  minDelayMs: integerOption('Shortest simulated processing delay in ms', 'WORKER_MIN_DELAY_MS', 50, 0, 60000),
  maxDelayMs: integerOption('Longest simulated processing delay in ms', 'WORKER_MAX_DELAY_MS', 250, 0, 60000),
  failureRate: numberOption('Probability that a task fails', 'WORKER_FAILURE_RATE', 0.1, 0, 1),
  failureModes: listOption('How a failing task fails', 'WORKER_FAILURE_MODES', FAILURE_MODES, [...FAILURE_MODES]),
  noise: numberOption('Relative noise on the true price: values fall within ±noise of it', 'WORKER_NOISE', 0.001, 0, 1),
  seed: integerOption('Seed for the simulation, for reproducible runs; random when unset', 'WORKER_SEED', undefined, 0, 4_294_967_295),
  heartbeatIntervalMs: integerOption('How often to tell the coordinator this worker is alive, in ms', 'WORKER_HEARTBEAT_INTERVAL_MS', 5000, 10, 3_600_000),
  shutdownGraceMs: integerOption('On SIGTERM, how long tasks in flight may finish, in ms', 'WORKER_SHUTDOWN_GRACE_MS', 10000, 0, 600_000),
  bodyLimit: integerOption('Largest accepted request body in bytes', 'WORKER_BODY_LIMIT', 65536, 256, 10_485_760),
  logLevel: choiceOption('Log level', 'LOG_LEVEL', LOG_LEVELS, 'info'),
};

export type WorkerConfig = OptionValues<typeof workerOptions>;
