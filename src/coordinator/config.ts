import { booleanOption, choiceOption, integerOption, numberOption, stringOption, type OptionValues } from '../shared/cli.ts';
import { LOG_LEVELS } from '../shared/logging.ts';

export const coordinatorOptions = {
  host: stringOption('Interface to listen on', 'COORDINATOR_HOST', '127.0.0.1'),
  port: integerOption('Port to listen on; 0 picks a free one', 'COORDINATOR_PORT', 8080, 0, 65535),
  timeoutMs: integerOption('Default deadline of a request in ms, when it sets no timeout_ms', 'COORDINATOR_TIMEOUT_MS', 2000, 10, 60000),
  majorityTolerance: numberOption('Relative tolerance within which values agree under the majority strategy', 'COORDINATOR_MAJORITY_TOLERANCE', 0.005, 0, 0.5),
  bodyLimit: integerOption('Largest accepted request body in bytes', 'COORDINATOR_BODY_LIMIT', 65536, 256, 10_485_760),
  validateResponses: booleanOption('Check every response against the spec (slower; for testing)', 'COORDINATOR_VALIDATE_RESPONSES'),
  logLevel: choiceOption('Log level', 'LOG_LEVEL', LOG_LEVELS, 'info'),
};

export type CoordinatorConfig = OptionValues<typeof coordinatorOptions>;

export const DEFAULT_COORDINATOR_CONFIG: CoordinatorConfig = Object.fromEntries(
  Object.entries(coordinatorOptions).map(([name, option]) => [name, option.default]),
) as CoordinatorConfig;
