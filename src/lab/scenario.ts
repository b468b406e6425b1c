/**
 * Lab scenarios: which workers (how many of which profile, with which knobs), which requests
 * (how many, how fast, at which simulated moments), which strategies, and the seed; or, with a
 * `feed` block, a feed study, whose polls are the requests. They are YAML or JSON files;
 * command-line flags override them.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { STRATEGIES, type Strategy } from '../contract/models.ts';
import { crossFieldProblems } from '../coordinator/feeds/feed-definition.ts';
import { DEFAULT_WINDOW_MS, nextJumpWindow, windowOf } from '../market/market.ts';
import { RecordingError } from '../market/recording.ts';
import { marketTruth, type Truth } from '../market/truth.ts';
import { formatSpan } from './format.ts';
import { RecordedTruth } from './recorded-truth.ts';
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

/** The two knobs an operator tunes on a feed. */
export interface FeedSetting {
  readonly deviationBps: number;
  readonly heartbeatMs: number;
}

/**
 * A feed study: the feed is polled every `pollIntervalMs` of simulated time for `durationMs`
 * (the scenario's requests are these polls), and the update rule is applied to the recorded polls
 * under `setting`, or under each setting of a sweep.
 */
export interface FeedPlan {
  readonly setting: FeedSetting;
  readonly pollIntervalMs: number;
  readonly durationMs: number;
  readonly minAnswer: number | undefined;
  readonly maxAnswer: number | undefined;
}

/**
 * What answers are scored against, and what the simulated workers report (each shaped by its
 * profile): the synthetic market, or a recording of real prices (`truth: recorded <file>`).
 */
export interface ScenarioTruth {
  /** `market`, or `recorded <file>` as the scenario names it. */
  readonly source: string;
  readonly priceAt: Truth;
  /** The recording, for a recorded truth. */
  readonly recording?: RecordedTruth;
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
  /** Present for a feed study; then `requests` counts its polls and `stepMs` is its poll interval. */
  readonly feed: FeedPlan | undefined;
  readonly truth: ScenarioTruth;
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
  /** The simulated time a feed study covers. */
  durationMs?: number;
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
  return parseScenario(raw, fallbackName, overrides, dirname(path));
}

/** `baseDir`: where a recorded truth's file is looked for (the scenario file's folder when loaded from one). */
export function parseScenario(raw: unknown, fallbackName: string, overrides: ScenarioOverrides = {}, baseDir = '.'): Scenario {
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
    'feed',
    'truth',
  ]);
  const query = file.string('query', 'BTC/USD');
  if (!/^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/.test(query)) throw new ScenarioError(`query must be BASE/QUOTE in upper case, got "${query}"`);
  const truth = parseTruth(file.string('truth', 'market'), baseDir);
  const span = truth.recording?.spanOf(query);
  if (truth.recording !== undefined && span === undefined) {
    throw new ScenarioError(`truth: ${truth.recording.path} has no prices for ${query} (it has ${truth.recording.queries().join(', ')})`);
  }
  const madK = file.number('mad_k', 3, 0.1, 100);
  // A recorded truth starts where the recording does, unless the file says otherwise.
  const defaultStart = span === undefined ? '2026-01-01T00:00:00Z' : new Date(span.firstMs).toISOString();
  let startMs = Date.parse(file.string('start', defaultStart));
  if (Number.isNaN(startMs)) throw new ScenarioError('start must be an ISO date-time');
  const feed = file.has('feed') ? parseFeed(new Fields(file.get('feed'), 'feed'), query, overrides.durationMs) : undefined;
  if (feed !== undefined) {
    const conflicts = ['requests', 'step_ms'].filter((key) => file.has(key));
    if (overrides.requests !== undefined) conflicts.push('--requests');
    if (conflicts.length > 0) {
      throw new ScenarioError(`${conflicts.join(', ')}: not for a feed study, whose polls feed.duration_ms and feed.poll_interval_ms set`);
    }
  } else if (overrides.durationMs !== undefined) {
    throw new ScenarioError('--duration-ms applies to a feed study only; this scenario has no feed block');
  }
  const stepMs = feed?.pollIntervalMs ?? file.integer('step_ms', DEFAULT_WINDOW_MS, 1, 86_400_000);
  const beforeJump = file.optionalInteger('start_before_jump_windows', 0, 10_000);
  if (beforeJump !== undefined && span !== undefined) {
    throw new ScenarioError('start_before_jump_windows finds the synthetic market’s jumps; with a recorded truth, give start');
  }
  if (beforeJump !== undefined) startMs = (nextJumpWindow(query, windowOf(startMs)) - beforeJump) * DEFAULT_WINDOW_MS;
  const groups = file.list('workers').map((entry, i) => parseGroup(entry, i));
  if (groups.length === 0) throw new ScenarioError('workers must list at least one group');
  const variants = (overrides.strategies ?? file.stringList('strategies', DEFAULT_VARIANTS)).map((label) => parseVariant(label, madK));
  const requests = feed === undefined ? (overrides.requests ?? file.integer('requests', 100, 1, 100_000)) : pollCount(feed);
  if (span !== undefined) checkInsideRecording(span, startMs, stepMs, requests);
  return {
    name: file.string('name', fallbackName),
    description: file.string('description', ''),
    seed: overrides.seed ?? file.integer('seed', 1, 0, 4_294_967_295),
    query,
    requests,
    rate: overrides.rate ?? file.number('rate', 100, 0.01, 10_000),
    timeoutMs: overrides.timeoutMs ?? file.integer('timeout_ms', 1000, 10, 60_000),
    startMs,
    stepMs,
    madK,
    variants,
    groups: overrides.workers === undefined ? groups : scaleGroups(groups, overrides.workers),
    feed,
    truth,
  };
}

/** `market`, or `recorded <file>` with the file relative to `baseDir`. */
function parseTruth(text: string, baseDir: string): ScenarioTruth {
  if (text === 'market') return { source: 'market', priceAt: marketTruth };
  const file = /^recorded\s+(\S.*)$/.exec(text)?.[1]?.trim();
  if (file === undefined) throw new ScenarioError(`truth must be market or "recorded <file>", got "${text}"`);
  let recording: RecordedTruth;
  try {
    recording = RecordedTruth.load(resolve(baseDir, file), file);
  } catch (error) {
    if (error instanceof RecordingError) throw new ScenarioError(`truth: ${error.message}`);
    throw new ScenarioError(`truth: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return { source: `recorded ${file}`, priceAt: recording.truth, recording };
}

/** Every request prices a moment the recording covers: nothing before its start, nothing after its end is invented. */
function checkInsideRecording(span: { firstMs: number; lastMs: number }, startMs: number, stepMs: number, requests: number): void {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (startMs < span.firstMs) throw new ScenarioError(`start ${iso(startMs)} is before the recording begins (${iso(span.firstMs)})`);
  const lastMs = startMs + (requests - 1) * stepMs;
  if (lastMs > span.lastMs) {
    const fit = Math.floor((span.lastMs - startMs) / stepMs) + 1;
    throw new ScenarioError(
      `the last request prices ${iso(lastMs)}, after the recording ends (${iso(span.lastMs)}): at most ${fit} requests of ${formatSpan(stepMs)} fit`,
    );
  }
}

/**
 * "100 requests per strategy", or for a feed study how often it polls and for how long; with a
 * recorded truth, which recording they are priced against.
 */
export function describeRequests(scenario: Scenario): string {
  const { feed, requests, truth } = scenario;
  const against = truth.recording === undefined ? '' : `, against the prices recorded in ${truth.recording.path}`;
  if (feed === undefined) return `${requests} requests per strategy${against}`;
  return `a feed polled every ${formatSpan(feed.pollIntervalMs)} for ${formatSpan(feed.durationMs)} of simulated time (${requests} polls per strategy)${against}`;
}

const MAX_POLLS = 100_000;

/** Polls at start, start + interval, … while inside the duration. */
export function pollCount(feed: Pick<FeedPlan, 'durationMs' | 'pollIntervalMs'>): number {
  return Math.ceil(feed.durationMs / feed.pollIntervalMs);
}

/** The knobs a sweep may vary, each read as in the feed block (same ranges, same messages). */
const SWEEPABLE = {
  deviation_bps: {
    setting: 'deviationBps',
    read: (fields: Fields, fallback: number) => fields.number('deviation_bps', fallback, 0, 100_000),
  },
  heartbeat_ms: {
    setting: 'heartbeatMs',
    read: (fields: Fields, fallback: number) => fields.integer('heartbeat_ms', fallback, 10, 604_800_000),
  },
} as const satisfies Record<string, { setting: keyof FeedSetting; read: (fields: Fields, fallback: number) => number }>;
type SweepKey = keyof typeof SWEEPABLE;

function parseFeed(feed: Fields, query: string, durationOverride: number | undefined): FeedPlan {
  feed.allowOnly(['deviation_bps', 'heartbeat_ms', 'poll_interval_ms', 'duration_ms', 'min_answer', 'max_answer']);
  const pollIntervalMs = feed.integer('poll_interval_ms', DEFAULT_WINDOW_MS, 10, 86_400_000);
  const durationMs = feed.integer('duration_ms', 3_600_000, pollIntervalMs, 31 * 86_400_000);
  const plan: FeedPlan = {
    setting: { deviationBps: SWEEPABLE.deviation_bps.read(feed, 50), heartbeatMs: SWEEPABLE.heartbeat_ms.read(feed, 600_000) },
    pollIntervalMs,
    durationMs: durationOverride ?? durationMs,
    minAnswer: feed.optionalNumber('min_answer', -Number.MAX_VALUE, Number.MAX_VALUE),
    maxAnswer: feed.optionalNumber('max_answer', -Number.MAX_VALUE, Number.MAX_VALUE),
  };
  if (pollCount(plan) > MAX_POLLS) {
    throw new ScenarioError(`feed: ${pollCount(plan)} polls (duration_ms / poll_interval_ms) are more than ${MAX_POLLS}`);
  }
  checkFeedRules(plan, plan.setting, query, 'feed.');
  return plan;
}

/** The coordinator's own rules between a feed's fields: a heartbeat no shorter than the poll interval, bounds in order. */
function checkFeedRules(plan: FeedPlan, setting: FeedSetting, query: string, prefix: string): void {
  const problem = crossFieldProblems({
    query,
    deviation_bps: setting.deviationBps,
    heartbeat_ms: setting.heartbeatMs,
    poll_interval_ms: plan.pollIntervalMs,
    min_answer: plan.minAnswer,
    max_answer: plan.maxAnswer,
  })[0];
  if (problem !== undefined) throw new ScenarioError(`${prefix}${problem.path.slice(1)} ${problem.message}`);
}

/**
 * The settings of `--sweep`: entries separated by spaces or semicolons, each a sweepable field and
 * its comma-separated values (`deviation_bps=10,25,50 heartbeat_ms=60000,600000`). Two fields make
 * a grid, deviation first; a field not swept keeps the feed block's value.
 */
export function parseSweep(text: string, scenario: Scenario): FeedSetting[] {
  const plan = scenario.feed;
  if (plan === undefined) throw new ScenarioError(`--sweep needs a feed study; ${scenario.name} has no feed block`);
  const swept = new Map<SweepKey, number[]>();
  for (const entry of text.split(/[\s;]+/).filter(Boolean)) {
    const [key = '', values = '', ...rest] = entry.split('=');
    if (key === 'poll_interval_ms') {
      throw new ScenarioError('--sweep cannot vary poll_interval_ms: the polls are recorded once; run the scenario once per interval');
    }
    if (!isSweepKey(key) || rest.length > 0 || values === '') {
      throw new ScenarioError(`--sweep: "${entry}" is not FIELD=V1,V2,… with FIELD one of ${Object.keys(SWEEPABLE).join(', ')}`);
    }
    if (swept.has(key)) throw new ScenarioError(`--sweep: ${key} is given twice`);
    const parsed = values.split(',').map((value) => {
      try {
        const { setting, read } = SWEEPABLE[key];
        const number = read(new Fields({ [key]: value.trim() === '' ? Number.NaN : Number(value) }, 'feed'), 0);
        checkFeedRules(plan, { ...plan.setting, [setting]: number }, scenario.query, 'feed.');
        return number;
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        throw new ScenarioError(`--sweep ${key}=${value}: ${error.message}`);
      }
    });
    swept.set(key, [...new Set(parsed)]);
  }
  if (swept.size === 0) throw new ScenarioError('--sweep: give at least one FIELD=V1,V2,…');
  const deviations = swept.get('deviation_bps') ?? [plan.setting.deviationBps];
  const heartbeats = swept.get('heartbeat_ms') ?? [plan.setting.heartbeatMs];
  return deviations.flatMap((deviationBps) => heartbeats.map((heartbeatMs) => ({ deviationBps, heartbeatMs })));
}

function isSweepKey(key: string): key is SweepKey {
  return Object.hasOwn(SWEEPABLE, key);
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

  has(key: string): boolean {
    return this.#record[key] !== undefined;
  }

  get(key: string): unknown {
    return this.#record[key];
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
