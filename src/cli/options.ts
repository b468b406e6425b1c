/**
 * Configuration for every process: each option has a flag, an environment variable and a
 * default, in that order of precedence, and `--help` prints them all. Values are checked once,
 * at start-up, with a message that names the flag.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface Option<T> {
  readonly description: string;
  readonly env?: string;
  /** Shown in --help and used when neither flag nor variable is set; undefined means optional. */
  readonly default: T;
  readonly parse: (raw: string) => T;
  /** Boolean flags take no value on the command line. */
  readonly boolean?: true;
  /** An environment variable naming a file that holds the value (for secrets), read last. */
  readonly fileEnv?: string;
  /** What leaving an optional option unset means, shown in --help as its default. */
  readonly impliedDefault?: string;
}

export type OptionValues<O> = { -readonly [K in keyof O]: O[K] extends Option<infer T> ? T : never };

export class UsageError extends Error {
  override name = 'UsageError';
}

/** An integer from `min` to `max`. */
export const integerOption = rangedOption('an integer');
/** A finite number from `min` to `max`. */
export const numberOption = rangedOption('a number');

function rangedOption(kind: 'an integer' | 'a number') {
  return <F extends number | undefined>(
    description: string,
    env: string | undefined,
    fallback: F,
    min: number,
    max: number,
  ): Option<number | F> => ({
    description: `${description} (${min}–${max})`,
    env,
    default: fallback,
    parse: (raw) => {
      const value = Number(raw);
      const wrongKind = kind === 'an integer' ? !Number.isInteger(value) : raw.trim() === '' || !Number.isFinite(value);
      if (wrongKind || value < min || value > max) throw new UsageError(`must be ${kind} from ${min} to ${max}, got "${raw}"`);
      return value;
    },
  });
}

export function stringOption<T extends string | undefined>(
  description: string,
  env: string | undefined,
  fallback: T,
  pattern?: RegExp,
): Option<string | T> {
  return {
    description,
    env,
    default: fallback,
    parse: (raw) => {
      if (pattern && !pattern.test(raw)) throw new UsageError(`must match ${String(pattern)}, got "${raw}"`);
      return raw;
    },
  };
}

export function choiceOption<const C extends string>(
  description: string,
  env: string | undefined,
  choices: readonly C[],
  fallback: C,
): Option<C> {
  return {
    description: `${description} (${choices.join(', ')})`,
    env,
    default: fallback,
    parse: (raw) => {
      if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`must be one of ${choices.join(', ')}, got "${raw}"`);
      return raw as C;
    },
  };
}

/**
 * A choice the program needs to know was made (so its default is undefined), which means
 * `implied` when it was not.
 */
export function optionalChoiceOption<const C extends string>(
  description: string,
  env: string | undefined,
  choices: readonly C[],
  implied: C,
): Option<C | undefined> {
  return { ...choiceOption(description, env, choices, implied), default: undefined, impliedDefault: implied };
}

export function listOption<const C extends string, F extends C[] | undefined>(
  description: string,
  env: string | undefined,
  choices: readonly C[],
  fallback: F,
): Option<C[] | F> {
  return {
    description: `${description}, comma-separated (${choices.join(', ')})`,
    env,
    default: fallback,
    parse: (raw) => {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      const unknown = items.filter((item) => !(choices as readonly string[]).includes(item));
      if (unknown.length > 0) throw new UsageError(`unknown value(s) ${unknown.join(', ')}; choose from ${choices.join(', ')}`);
      return items as C[];
    },
  };
}

/** A secret: from the flag, the variable, or a file named by `<variable>_FILE` (trimmed). */
export function secretOption(description: string, env: string): Option<string | undefined> {
  return {
    description: `${description}; or a file named by ${env}_FILE`,
    env,
    fileEnv: `${env}_FILE`,
    default: undefined,
    parse: (raw) => {
      if (raw.trim() === '') throw new UsageError('must not be empty');
      return raw.trim();
    },
  };
}

export function booleanOption(description: string, env: string | undefined): Option<boolean> {
  return {
    description,
    env,
    default: false,
    boolean: true,
    parse: (raw) => {
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off|)$/i.test(raw)) return false;
      throw new UsageError(`must be true or false, got "${raw}"`);
    },
  };
}

export interface ParsedCommandLine<O> {
  values: OptionValues<O>;
  positionals: string[];
}

/** Parses flags and environment; throws UsageError with the offending flag named. */
export function parseCommandLine<O extends Record<string, Option<unknown>>>(
  options: O,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  allowPositionals = false,
): ParsedCommandLine<O> {
  const parsed = parseArgs({
    args: [...argv],
    allowPositionals,
    strict: true,
    options: Object.fromEntries(
      Object.entries(options).map(([name, option]) => [
        flagName(name),
        { type: option.boolean ? ('boolean' as const) : ('string' as const) },
      ]),
    ),
  });
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) {
    const flag = flagName(name);
    const raw = parsed.values[flag];
    const fromEnv = option.env === undefined ? undefined : env[option.env];
    const fromFile = raw === undefined && fromEnv === undefined && option.fileEnv !== undefined ? env[option.fileEnv] : undefined;
    const source = raw !== undefined ? `--${flag}` : fromEnv !== undefined ? (option.env ?? '') : (option.fileEnv ?? '');
    const text =
      typeof raw === 'boolean' ? String(raw) : (raw ?? fromEnv ?? (fromFile === undefined ? undefined : readSecretFile(fromFile, source)));
    try {
      values[name] = text === undefined ? option.default : option.parse(text);
    } catch (error) {
      throw new UsageError(`${source}: ${(error as Error).message}`);
    }
  }
  return { values: values as OptionValues<O>, positionals: parsed.positionals };
}

export function formatHelp(usage: string, summary: string, options: Record<string, Option<unknown>>): string {
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `--${flagName(name)}${option.boolean ? '' : ' <value>'}`;
    const unset =
      option.default === undefined || option.default === false || (Array.isArray(option.default) && option.default.length === 0);
    const shown = unset ? option.impliedDefault : formatDefault(option.default);
    const fallback = shown === undefined ? '' : ` [default: ${shown}]`;
    const env = option.env ? ` (env ${option.env})` : '';
    if (option.fileEnv) return `  ${flag.padEnd(30)} ${option.description}${env}`;
    return `  ${flag.padEnd(30)} ${option.description}${fallback}${env}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${rows.join('\n')}\n  ${'--help'.padEnd(30)} Show this help\n`;
}

/** Runs a main function with `--help` and usage errors handled the same way in every process. */
export async function runMain<O extends Record<string, Option<unknown>>>(
  spec: { usage: string; summary: string; options: O; allowPositionals?: boolean },
  main: (parsed: ParsedCommandLine<O>) => Promise<void>,
): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(formatHelp(spec.usage, spec.summary, spec.options));
    return;
  }
  let parsed: ParsedCommandLine<O>;
  try {
    parsed = parseCommandLine(spec.options, argv, process.env, spec.allowPositionals);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nRun with --help for the options.\n`);
    process.exitCode = 2;
    return;
  }
  try {
    await main(parsed);
  } catch (error) {
    // A setting that only turns out wrong when used (a key file that will not do) is a usage error too.
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  }
}

/**
 * The one positional argument a program takes; when there is not exactly one, undefined, after
 * `hint` on stderr and exit code 2 (a usage error).
 */
export function onlyPositional(positionals: readonly string[], hint: string): string | undefined {
  const [only, ...extra] = positionals;
  if (only !== undefined && extra.length === 0) return only;
  process.stderr.write(`${hint}\n`);
  process.exitCode = 2;
  return undefined;
}

function readSecretFile(path: string, source: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${source}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** camelCase option names become kebab-case flags (without the dashes in front). */
export function flagName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
