/**
 * The synthetic market: a deterministic "true" price for every query and time window. Honest
 * workers report it plus noise, and anything that wants to score answers against the truth
 * imports this same module.
 */
import { createRandom, hashString } from './random.ts';

export const DEFAULT_WINDOW_MS = 10_000;

/** Familiar pairs start near familiar prices; any other pair gets a stable price from its name. */
const BASE_PRICES: Record<string, number> = {
  'BTC/USD': 42_000,
  'ETH/USD': 2_200,
  'SOL/USD': 100,
  'LINK/USD': 15,
  'EUR/USD': 1.08,
  'XAU/USD': 2_050,
};

function basePrice(query: string): number {
  const known = BASE_PRICES[query];
  if (known !== undefined) return known;
  // Spread unknown pairs over 0.1 to 10,000 on a log scale.
  const unit = hashString(query) / 4_294_967_296;
  return 10 ** (unit * 5 - 1);
}

/** The window a moment falls in; prices are constant inside one window. */
export function windowOf(timeMs: number, windowMs = DEFAULT_WINDOW_MS): number {
  return Math.floor(timeMs / windowMs);
}

/** Windows per market regime: the price level jumps (or not) every 180 windows, 30 minutes. */
export const REGIME_WINDOWS = 180;
/** A regime sits this far above or below the base level, so a jump moves the price by 2 × 4 %. */
const REGIME_LEVEL = 0.04;

function regimeSign(query: string, regime: number): 1 | -1 {
  return createRandom(hashString(query) ^ Math.imul(regime, 0x9e3779b1))() < 0.5 ? 1 : -1;
}

/**
 * The true price of `query` in window `window`: the base price moved by two slow waves (±2 %
 * and ±0.5 %), a regime level (±4 %) that may jump at every regime boundary, and a small
 * per-window jitter (±0.05 %). Inside a regime, neighbouring windows stay close. O(1) in the
 * window number.
 */
export function priceInWindow(query: string, window: number): number {
  const phase = (hashString(query) % 1000) / 1000;
  const slow = 0.02 * Math.sin(2 * Math.PI * (window / 360 + phase));
  const fast = 0.005 * Math.sin(2 * Math.PI * (window / 30 + phase));
  const regime = REGIME_LEVEL * regimeSign(query, Math.floor(window / REGIME_WINDOWS));
  const jitter = 0.0005 * (createRandom(hashString(query) ^ window)() * 2 - 1);
  return basePrice(query) * (1 + slow + fast + regime + jitter);
}

/** The first window at or after `fromWindow` where the price of `query` jumps (its regime flips). */
export function nextJumpWindow(query: string, fromWindow: number): number {
  let regime = Math.floor(fromWindow / REGIME_WINDOWS);
  if (fromWindow % REGIME_WINDOWS !== 0) regime++;
  // Each boundary flips with probability ½; 64 boundaries without one has odds of 2^-64.
  for (let i = 0; i < 64; i++, regime++) {
    if (regimeSign(query, regime) !== regimeSign(query, regime - 1)) return regime * REGIME_WINDOWS;
  }
  throw new Error(`no price jump for ${query} found after window ${fromWindow}`);
}

export function truePrice(query: string, timeMs: number, windowMs = DEFAULT_WINDOW_MS): number {
  return priceInWindow(query, windowOf(timeMs, windowMs));
}
