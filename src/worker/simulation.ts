/**
 * What a simulated oracle does with one task: how long it takes, whether and how it fails, and
 * the value it reports. Each fault profile shapes the value differently; every plan is a pure
 * function of the worker's seed, the query and the moment priced, so a run replays exactly under
 * `--seed` however tasks interleave, and all workers read one truth: the synthetic market
 * (src/market/market.ts) unless the lab gives them a recorded one (src/market/truth.ts).
 */
import { DEFAULT_WINDOW_MS } from '../market/market.ts';
import { marketTruth, type Truth } from '../market/truth.ts';
import { createRandom, hashString, type Random } from '../market/random.ts';

/** `error`: a 200 WorkerResult with `err` set; `outage`: a 503 problem; `hang`: no answer at all. */
export const FAILURE_MODES = ['error', 'outage', 'hang'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export const PROFILES = ['honest', 'noisy', 'slow', 'flaky', 'byzantine', 'stale', 'colluding'] as const;
export type Profile = (typeof PROFILES)[number];

export const BYZANTINE_MODES = ['bias', 'wild'] as const;
export type ByzantineMode = (typeof BYZANTINE_MODES)[number];

export interface SimulationSettings {
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability in [0, 1] that a task fails. */
  failureRate: number;
  failureModes: readonly FailureMode[];
  /** Relative noise: values fall uniformly within ±noise of the value the profile reports. */
  noise: number;
  /** Shapes the value: see `reportedValue`. */
  profile: Profile;
  /** Relative error of `byzantine` (mode `bias`) and `colluding` workers. */
  bias: number;
  /** `bias`: a consistent error; `wild`: anything from a tenth to ten times the truth. */
  byzantineMode: ByzantineMode;
  /** How many market windows behind a `stale` worker reads. */
  staleWindows: number;
}

/** What each profile changes from the base settings; explicit flags override these. */
export const PROFILE_PRESETS: Record<Profile, Partial<SimulationSettings>> = {
  honest: {},
  noisy: { noise: 0.02 },
  slow: { minDelayMs: 500, maxDelayMs: 1500 },
  flaky: { failureRate: 0.5 },
  byzantine: { bias: 0.1 },
  stale: { staleWindows: 6 },
  colluding: { bias: -0.08 },
};

export const BASE_SIMULATION: SimulationSettings = {
  minDelayMs: 50,
  maxDelayMs: 250,
  failureRate: 0.1,
  failureModes: FAILURE_MODES,
  noise: 0.001,
  profile: 'honest',
  bias: 0,
  byzantineMode: 'bias',
  staleWindows: 0,
};

/** Base settings, then the profile's preset, then whatever was set explicitly. */
export function simulationFor(profile: Profile, explicit: Partial<SimulationSettings> = {}): SimulationSettings {
  return { ...BASE_SIMULATION, ...PROFILE_PRESETS[profile], ...explicit, profile };
}

export type TaskPlan = { delayMs: number } & ({ kind: 'value'; value: number } | { kind: FailureMode });

/** The random source of one task: keyed by seed, query and moment, not by arrival order. */
export function taskRandom(seed: number, query: string, asOfMs: number): Random {
  return createRandom(hashString(`${seed}|${query}|${asOfMs}`));
}

export function planTask(
  query: string,
  settings: SimulationSettings,
  random: Random,
  asOfMs: number,
  truth: Truth = marketTruth,
): TaskPlan {
  // Always draw the same numbers, so one knob never shifts what another one draws.
  const delayDraw = random();
  const failureDraw = random();
  const modeDraw = random();
  const noiseDraw = random();
  const wildDraw = random();
  const low = Math.min(settings.minDelayMs, settings.maxDelayMs);
  const delayMs = Math.round(low + (Math.max(settings.minDelayMs, settings.maxDelayMs) - low) * delayDraw);
  if (failureDraw < settings.failureRate && settings.failureModes.length > 0) {
    const mode = settings.failureModes[Math.floor(modeDraw * settings.failureModes.length)] as FailureMode;
    return { delayMs, kind: mode };
  }
  const noise = settings.profile === 'colluding' ? 0 : settings.noise * (noiseDraw * 2 - 1);
  return { delayMs, kind: 'value', value: reportedValue(query, settings, asOfMs, wildDraw, truth) * (1 + noise) };
}

/**
 * The value a profile reports before noise: the truth for honest, noisy, slow and flaky workers;
 * the truth shifted by `bias` for byzantine (mode bias) and colluding workers, so colluders agree
 * exactly; a log-uniform draw in [truth/10, truth×10] for wild byzantine workers; the truth of
 * `staleWindows` windows ago for stale ones.
 */
function reportedValue(query: string, settings: SimulationSettings, asOfMs: number, wildDraw: number, truth: Truth): number {
  switch (settings.profile) {
    case 'byzantine':
      if (settings.byzantineMode === 'wild') return truth(query, asOfMs) * 10 ** (wildDraw * 2 - 1);
      return truth(query, asOfMs) * (1 + settings.bias);
    case 'colluding':
      return truth(query, asOfMs) * (1 + settings.bias);
    case 'stale':
      return truth(query, asOfMs - settings.staleWindows * DEFAULT_WINDOW_MS);
    default:
      return truth(query, asOfMs);
  }
}
