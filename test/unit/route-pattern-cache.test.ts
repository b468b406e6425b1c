/**
 * The memo over path-to-regexp that express-openapi-validator calls for every route of the spec
 * on every request: one compilation per pattern and options, the same answers as compiling afresh.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cacheRoutePatterns } from '../../src/http/route-pattern-cache.ts';

interface Compiled {
  regexp: RegExp;
  keys: { name: string }[];
}
type PathToRegexp = (path: unknown, options?: Record<string, unknown>) => Compiled;

/** The module instance the validator loads, which is the one the memo replaces a function of. */
function validatorsPathToRegexp(): { pathToRegexp: PathToRegexp } {
  const validator = createRequire(import.meta.url).resolve('express-openapi-validator');
  return createRequire(validator)('path-to-regexp') as { pathToRegexp: PathToRegexp };
}

describe('cacheRoutePatterns', () => {
  cacheRoutePatterns();
  const { pathToRegexp } = validatorsPathToRegexp();

  it('compiles a pattern once for the same options, whatever object carries them', () => {
    const first = pathToRegexp('/rounds/:request_id', { sensitive: false, strict: false });
    const again = pathToRegexp('/rounds/:request_id', { sensitive: false, strict: false });
    expect(again).toBe(first);
    expect(first.regexp.exec('/rounds/abc')?.[1]).toBe('abc');
    expect(first.keys.map((k) => k.name)).toEqual(['request_id']);
  });

  it('compiles again for options that change the pattern', () => {
    const insensitive = pathToRegexp('/feeds/:feed_id', { sensitive: false });
    const sensitive = pathToRegexp('/feeds/:feed_id', { sensitive: true });
    expect(sensitive).not.toBe(insensitive);
    expect(insensitive.regexp.test('/FEEDS/x')).toBe(true);
    expect(sensitive.regexp.test('/FEEDS/x')).toBe(false);
    expect(pathToRegexp('/feeds/:feed_id', { sensitive: true })).toBe(sensitive);
  });

  it('does not keep results for options it does not know', () => {
    const options = { sensitive: false, decode: false };
    expect(pathToRegexp('/workers/:id', options)).not.toBe(pathToRegexp('/workers/:id', options));
  });

  it('is installed once however often it is called', () => {
    cacheRoutePatterns();
    const { pathToRegexp: afterSecondCall } = validatorsPathToRegexp();
    expect(afterSecondCall).toBe(pathToRegexp);
  });
});
