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

export function cacheRoutePatterns(): void {
  const fromHere = createRequire(import.meta.url);
  const validator = fromHere.resolve('express-openapi-validator');
  const module = createRequire(validator)('path-to-regexp') as PathToRegexpModule & { [MEMOIZED]?: true };
  if (module[MEMOIZED] === true) return;
  const compile = module.pathToRegexp;
  const cache = new Map<string, unknown>();
  module.pathToRegexp = (path, options = {}) => {
    if (typeof path !== 'string') return compile(path, options);
    // The lookup runs for every route on every request: a key of the options that matter, not JSON.
    const { sensitive, strict, end, trailing, delimiter, ...other } = options;
    const known = `${String(sensitive)}|${String(strict)}|${String(end)}|${String(trailing)}|${String(delimiter)}`;
    const key = `${Object.keys(other).length === 0 ? known : JSON.stringify(options)}\n${path}`;
    let compiled = cache.get(key);
    if (compiled === undefined) {
      compiled = compile(path, options);
      cache.set(key, compiled);
    }
    return compiled;
  };
  module[MEMOIZED] = true;
}
