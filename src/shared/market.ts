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

/**
 * The true price of `query` in window `window`: the base price moved by two slow waves (±2 %
 * and ±0.5 %) and a small per-window jitter (±0.05 %), so prices drift but neighbouring windows
 * stay close. O(1) in the window number.
 */
export function priceInWindow(query: string, window: number): number {
  const phase = (hashString(query) % 1000) / 1000;
  const slow = 0.02 * Math.sin(2 * Math.PI * (window / 360 + phase));
  const fast = 0.005 * Math.sin(2 * Math.PI * (window / 30 + phase));
  const jitter = 0.0005 * (createRandom(hashString(query) ^ window)() * 2 - 1);
  return basePrice(query) * (1 + slow + fast + jitter);
}

export function truePrice(query: string, timeMs: number, windowMs = DEFAULT_WINDOW_MS): number {
  return priceInWindow(query, windowOf(timeMs, windowMs));
}
