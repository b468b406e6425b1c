/**
 * express-openapi-validator (5.6) finds a request's operation by compiling every route of the
 * spec with path-to-regexp, again on every request: a fifth of the validator's time per request
 * in the benchmark's profile (bench/README.md), for results that never change. This memoizes
 * path-to-regexp's `pathToRegexp` for string paths, in the module instance the validator itself
 * loads, so that each route pattern is compiled once. The compiled value (a RegExp without the
 * `g` flag, so without state, and its keys) is only read by its callers. Patterns come from the
 * spec and the app's routes, never from requests, so the cache is bounded by the routes.
 */
import { createRequire } from 'node:module';

interface PathToRegexpModule {
  pathToRegexp: (path: unknown, options?: Record<string, unknown>) => unknown;
}

const MEMOIZED = Symbol.for('oracle-network.route-pattern-cache');

/** The options a pattern is compiled with (the validator passes `strict` too, which path-to-regexp 8 ignores); a call with any other is compiled afresh. */
const KNOWN_OPTIONS = ['sensitive', 'strict', 'end', 'trailing', 'delimiter'] as const;

interface CompiledPattern {
  readonly options: Readonly<Record<string, unknown>>;
  readonly value: unknown;
}

function sameKnownOptions(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  for (const name of KNOWN_OPTIONS) if (a[name] !== b[name]) return false;
  return true;
}

function hasOnlyKnownOptions(options: Record<string, unknown>): boolean {
  for (const name in options) if (!(KNOWN_OPTIONS as readonly string[]).includes(name)) return false;
  return true;
}

export function cacheRoutePatterns(): void {
  const fromHere = createRequire(import.meta.url);
  const validator = fromHere.resolve('express-openapi-validator');
  const module = createRequire(validator)('path-to-regexp') as PathToRegexpModule & { [MEMOIZED]?: true };
  if (module[MEMOIZED] === true) return;
  const compile = module.pathToRegexp;
  // By path, then by the options that matter: the lookup runs for every route on every request,
  // and the path strings come from the validator's route map, so their hashes are computed once.
  const cache = new Map<string, CompiledPattern[]>();
  module.pathToRegexp = (path, options = {}) => {
    if (typeof path !== 'string' || !hasOnlyKnownOptions(options)) return compile(path, options);
    let compiled = cache.get(path);
    if (compiled === undefined) {
      compiled = [];
      cache.set(path, compiled);
    }
    for (const entry of compiled) if (sameKnownOptions(entry.options, options)) return entry.value;
    const value = compile(path, options);
    compiled.push({ options: { ...options }, value });
    return value;
  };
  module[MEMOIZED] = true;
}
