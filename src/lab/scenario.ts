/**
 * Lab scenarios: which workers (how many of which profile, with which knobs), which requests
 * (how many, how fast, at which simulated moments), which strategies, and the seed. They are
 * YAML or JSON files; command-line flags override them.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { STRATEGIES, type Strategy } from '../contract/models.ts';
import { DEFAULT_WINDOW_MS, nextJumpWindow, windowOf } from '../market/market.ts';
import { BYZANTINE_MODES, FAILURE_MODES, PROFILES, simulationFor, type Profile, type SimulationSettings } from '../worker/simulation.ts';

/** A strategy, optionally with MAD outlier rejection in front of it (`average+mad`). */
export interface StrategyVariant {
  readonly label: string;
  readonly strategy: Strategy;
  readonly madK: number;
}

export interface WorkerGroup {
  readonly count: number;
  readonly profile: Profile;
  /** The group's full simulation settings: the profile's preset plus the file's knobs. */
  readonly simulation: SimulationSettings;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly query: string;
  readonly requests: number;
  /** Requests per second at most; requests go one at a time, so the learning order is fixed. */
  readonly rate: number;
  readonly timeoutMs: number;
  /** Simulated time of the first request, epoch ms. */
  readonly startMs: number;
  /** Simulated time between requests. */
  readonly stepMs: number;
  readonly madK: number;
  readonly variants: readonly StrategyVariant[];
  readonly groups: readonly WorkerGroup[];
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export interface ScenarioOverrides {
  workers?: number;
  requests?: number;
  seed?: number;
  rate?: number;
  timeoutMs?: number;
  strategies?: string[];
}

const DEFAULT_VARIANTS = [...STRATEGIES, 'average+mad'];
const LAB_SIMULATION: Partial<SimulationSettings> = { minDelayMs: 0, maxDelayMs: 10, failureRate: 0, failureModes: ['error', 'outage'] };

export async function loadScenario(path: string, overrides: ScenarioOverrides = {}): Promise<Scenario> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(error as Error).message}`);
  }
  const fallbackName = path.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/i, '');
  return parseScenario(raw, fallbackName, overrides);
}

export function parseScenario(raw: unknown, fallbackName: string, overrides: ScenarioOverrides = {}): Scenario {
  const file = new Fields(raw, 'scenario');
  file.allowOnly([
    'name',
    'description',
    'seed',
    'query',
    'requests',
    'rate',
    'timeout_ms',
    'start',
    'start_before_jump_windows',
    'step_ms',
    'mad_k',
    'strategies',
    'workers',
  ]);
  const query = file.string('query', 'BTC/USD');
  if (!/^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/.test(query)) throw new ScenarioError(`query must be BASE/QUOTE in upper case, got "${query}"`);
  const madK = file.number('mad_k', 3, 0.1, 100);
  let startMs = Date.parse(file.string('start', '2026-01-01T00:00:00Z'));
  if (Number.isNaN(startMs)) throw new ScenarioError('start must be an ISO date-time');
  const stepMs = file.integer('step_ms', DEFAULT_WINDOW_MS, 1, 86_400_000);
  const beforeJump = file.optionalInteger('start_before_jump_windows', 0, 10_000);
  if (beforeJump !== undefined) startMs = (nextJumpWindow(query, windowOf(startMs)) - beforeJump) * DEFAULT_WINDOW_MS;
  const groups = file.list('workers').map((entry, i) => parseGroup(entry, i));
  if (groups.length === 0) throw new ScenarioError('workers must list at least one group');
  const variants = (overrides.strategies ?? file.stringList('strategies', DEFAULT_VARIANTS)).map((label) => parseVariant(label, madK));
  return {
    name: file.string('name', fallbackName),
    description: file.string('description', ''),
    seed: overrides.seed ?? file.integer('seed', 1, 0, 4_294_967_295),
    query,
    requests: overrides.requests ?? file.integer('requests', 100, 1, 100_000),
    rate: overrides.rate ?? file.number('rate', 100, 0.01, 10_000),
    timeoutMs: overrides.timeoutMs ?? file.integer('timeout_ms', 1000, 10, 60_000),
    startMs,
    stepMs,
    madK,
    variants,
    groups: overrides.workers === undefined ? groups : scaleGroups(groups, overrides.workers),
  };
}

function parseGroup(raw: unknown, index: number): WorkerGroup {
  const group = new Fields(raw, `workers[${index}]`);
  group.allowOnly([
    'count',
    'profile',
    'min_delay_ms',
    'max_delay_ms',
    'failure_rate',
    'failure_modes',
    'noise',
    'bias',
    'byzantine_mode',
    'stale_windows',
  ]);
  const profile = group.choice('profile', PROFILES, 'honest');
  const explicit: Partial<SimulationSettings> = {};
  const set = <K extends keyof SimulationSettings>(key: K, value: SimulationSettings[K] | undefined) => {
    if (value !== undefined) explicit[key] = value;
  };
  // The lab's workers are quick and reliable unless the file or the profile says otherwise.
  for (const key of ['minDelayMs', 'maxDelayMs', 'failureRate', 'failureModes'] as const) {
    if (simulationFor(profile)[key] === simulationFor('honest')[key]) set(key, LAB_SIMULATION[key]);
  }
  set('minDelayMs', group.optionalInteger('min_delay_ms', 0, 60_000));
  set('maxDelayMs', group.optionalInteger('max_delay_ms', 0, 60_000));
  set('failureRate', group.optionalNumber('failure_rate', 0, 1));
  set('failureModes', group.optionalChoices('failure_modes', FAILURE_MODES));
  set('noise', group.optionalNumber('noise', 0, 1));
  set('bias', group.optionalNumber('bias', -0.99, 100));
  set('byzantineMode', group.optionalChoice('byzantine_mode', BYZANTINE_MODES));
  set('staleWindows', group.optionalInteger('stale_windows', 0, 1_000_000));
  return { count: group.integer('count', 1, 1, 10_000), profile, simulation: simulationFor(profile, explicit) };
}

function parseVariant(label: string, madK: number): StrategyVariant {
  const [name, suffix, ...rest] = label.split('+');
  if (!(STRATEGIES as readonly string[]).includes(name ?? '') || rest.length > 0 || (suffix !== undefined && suffix !== 'mad')) {
    throw new ScenarioError(`unknown strategy "${label}"; use one of ${STRATEGIES.join(', ')}, optionally with +mad`);
  }
  return { label, strategy: name as Strategy, madK: suffix === 'mad' ? madK : 0 };
}

/** Rescales the groups to `total` workers, keeping their shares (largest remainder first). */
export function scaleGroups(groups: readonly WorkerGroup[], total: number): WorkerGroup[] {
  if (!Number.isInteger(total) || total < 1) throw new ScenarioError('--workers must be a positive integer');
  const current = groups.reduce((sum, g) => sum + g.count, 0);
  const exact = groups.map((g) => (g.count * total) / current);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, remainder: x - Math.floor(x) })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < total; k++) {
    const index = (order[k % order.length] as { i: number }).i;
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return groups.map((g, i) => ({ ...g, count: counts[i] as number })).filter((g) => g.count > 0);
}

/** Typed access to one object of the file, with errors that name the field. */
class Fields {
  readonly #record: Record<string, unknown>;

  constructor(
    raw: unknown,
    private readonly where: string,
  ) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ScenarioError(`${where} must be a mapping`);
    this.#record = raw as Record<string, unknown>;
  }

  allowOnly(keys: readonly string[]): void {
    const unknown = Object.keys(this.#record).filter((key) => !keys.includes(key));
    if (unknown.length > 0) throw new ScenarioError(`${this.where}: unknown field(s) ${unknown.join(', ')}`);
  }

  string(key: string, fallback: string): string {
    const value = this.#record[key] ?? fallback;
    if (typeof value !== 'string') throw this.#error(key, 'must be a string');
    return value;
  }

  number(key: string, fallback: number, min: number, max: number): number {
    return this.optionalNumber(key, min, max) ?? fallback;
  }

  optionalNumber(key: string, min: number, max: number): number | undefined {
    const value = this.#record[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw this.#error(key, `must be a number from ${min} to ${max}`);
    return value;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(key, min, max) ?? fallback;
  }

  optionalInteger(key: string, min: number, max: number): number | undefined {
    const value = this.optionalNumber(key, min, max);
    if (value !== undefined && !Number.isInteger(value)) throw this.#error(key, 'must be an integer');
    return value;
  }

  choice<const C extends string>(key: string, choices: readonly C[], fallback: C): C {
    return this.optionalChoice(key, choices) ?? fallback;
  }

  optionalChoice<const C extends string>(key: string, choices: readonly C[]): C | undefined {
    const value = this.#record[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
      throw this.#error(key, `must be one of ${choices.join(', ')}`);
    return value as C;
  }

  optionalChoices<const C extends string>(key: string, choices: readonly C[]): C[] | undefined {
    const value = this.#record[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && (choices as readonly string[]).includes(v))) {
      throw this.#error(key, `must be a list of ${choices.join(', ')}`);
    }
    return value as C[];
  }

  stringList(key: string, fallback: string[]): string[] {
    const value = this.#record[key];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string'))
      throw this.#error(key, 'must be a non-empty list of strings');
    return value;
  }

  list(key: string): unknown[] {
    const value = this.#record[key];
    if (!Array.isArray(value)) throw this.#error(key, 'must be a list');
    return value;
  }

  #error(key: string, message: string): ScenarioError {
    return new ScenarioError(`${this.where}.${key} ${message}`);
  }
}
