/** The sources file: what a good one gives, and that every bad one names the file and the line. */
import { describe, expect, it } from 'vitest';
import { parseSourcesFile, SOURCE_DEFAULTS } from '../../src/worker/sources/definitions.ts';
import { PRESETS } from '../../src/worker/sources/presets.ts';
import { createSourcePolicy } from '../../src/worker/sources/source-policy.ts';

const policy = createSourcePolicy([]);
const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseSourcesFile(text, 'sources.yaml', env, policy);

describe('a good sources file', () => {
  it('merges each preset with what the source overrides, and fills in the defaults', () => {
    const { sources, minSources } = parse(
      `
min_sources: 2
sources:
  - name: coinbase
    preset: coinbase-spot
  - name: gecko
    preset: coingecko-simple
    url: https://pro-api.coingecko.com/api/v3/simple/price
    ids: { PEPE: pepe }
    headers:
      X-CG-Pro-Api-Key: \${COINGECKO_KEY}
    timeout_ms: 1500
`,
      { COINGECKO_KEY: 'cg-secret' },
    );
    expect(minSources).toBe(2);
    const [coinbase, gecko] = sources;
    expect(coinbase).toMatchObject({
      name: 'coinbase',
      preset: 'coinbase-spot',
      docs: PRESETS['coinbase-spot'].docs,
      url: PRESETS['coinbase-spot'].url,
      path: '$.data.amount',
      times: 1,
      timeoutMs: SOURCE_DEFAULTS.timeoutMs,
      intervalMs: SOURCE_DEFAULTS.intervalMs,
      maxBodyBytes: SOURCE_DEFAULTS.maxBodyBytes,
    });
    expect(gecko).toMatchObject({
      url: 'https://pro-api.coingecko.com/api/v3/simple/price',
      headers: { 'x-cg-pro-api-key': '${COINGECKO_KEY}' },
      query: { ids: '{base_id}', vs_currencies: '{quote_lower}' },
      timeoutMs: 1500,
      intervalMs: 5000,
      maxCallsPerMinute: 30,
    });
    expect(gecko?.ids).toMatchObject({ BTC: 'bitcoin', PEPE: 'pepe' });
    expect(gecko?.secrets).toEqual(new Map([['COINGECKO_KEY', 'cg-secret']]));
  });

  it('reads JSON as well', () => {
    const { sources } = parse('{"sources": [{"name": "k", "preset": "kraken-ticker", "inverse": ["JPY/USD"]}]}');
    expect(sources[0]?.inverse).toEqual(new Set(['JPY/USD']));
    expect(sources[0]?.symbols).toEqual({ BTC: 'XBT', DOGE: 'XDG' });
  });
});

describe('a bad sources file', () => {
  it.each([
    ['broken YAML', 'sources:\n  - name: a\n    preset: [coinbase-spot\n', /^sources\.yaml:4: /],
    ['no sources', 'min_sources: 1\n', /^sources\.yaml:1: the file needs sources$/],
    [
      'an unknown preset',
      'sources:\n  - name: a\n    preset: binance\n',
      /^sources\.yaml:3: sources\[0\]\.preset must be one of coinbase-spot, kraken-ticker, /,
    ],
    [
      'an unknown field',
      'sources:\n  - name: a\n    preset: coinbase-spot\n    colour: red\n',
      /^sources\.yaml:4: sources\[0\]\.colour is not a field/,
    ],
    ['a source without a preset, url or path', 'sources:\n  - name: a\n    times: 2\n', /^sources\.yaml:2: sources\[0\] needs url$/],
    [
      'a timeout out of range',
      'sources:\n  - name: a\n    preset: coinbase-spot\n\n    timeout_ms: 0\n',
      /^sources\.yaml:5: sources\[0\]\.timeout_ms must be >= 10$/,
    ],
    [
      'an unknown placeholder',
      'sources:\n  - name: a\n    url: https://api.example.com/{pair}\n    path: price\n',
      /^sources\.yaml:3: sources\[0\]\.url has an unknown placeholder \{pair\}; use \{base\}/,
    ],
    [
      'a placeholder in the host',
      'sources:\n  - name: a\n    url: https://{base}.example.com/price\n    path: price\n',
      /^sources\.yaml:3: sources\[0\]\.url has a placeholder in its scheme or host/,
    ],
    [
      'a secret in the URL',
      'sources:\n  - name: a\n    url: https://api.example.com/${KEY}/price\n    path: price\n',
      /^sources\.yaml:3: sources\[0\]\.url names a secret \(\$\{KEY\}\): secrets go in headers or query parameters$/,
    ],
    [
      'a secret that is not in the environment',
      'sources:\n  - name: a\n    preset: coinbase-spot\n    headers:\n      x-api-key: ${MISSING_KEY}\n',
      /^sources\.yaml:5: sources\[0\]\.headers\.x-api-key needs the environment variable MISSING_KEY, which is not set$/,
    ],
    [
      'a filter expression',
      'sources:\n  - name: a\n    url: https://api.example.com/p\n    path: $.prices[?(@.pair=="BTC")].last\n',
      /^sources\.yaml:4: sources\[0\]\.path holds a filter or script expression/,
    ],
    [
      '{base_id} without ids',
      'sources:\n  - name: a\n    url: https://api.example.com/p/{base_id}\n    path: price\n',
      /^sources\.yaml:3: sources\[0\]\.url uses \{base_id\}, but the source has no ids/,
    ],
    [
      'a name used twice',
      'sources:\n  - name: a\n    preset: coinbase-spot\n  - name: a\n    preset: kraken-ticker\n',
      /^sources\.yaml:4: sources\[1\]\.name uses the name a a second time$/,
    ],
    [
      'more min_sources than sources',
      'min_sources: 3\nsources:\n  - name: a\n    preset: coinbase-spot\n',
      /^sources\.yaml:1: min_sources is 3, more than the 1 sources listed$/,
    ],
    [
      'the metadata address',
      'sources:\n  - name: a\n    url: http://169.254.169.254/latest/meta-data\n    path: price\n',
      /^sources\.yaml:3: sources\[0\]\.url is refused: address 169\.254\.169\.254 is never allowed/,
    ],
    [
      'loopback, not allowed by default',
      'sources:\n  - name: a\n    url: http://127.0.0.1:9000/price\n    path: price\n',
      /^sources\.yaml:3: sources\[0\]\.url is refused: address 127\.0\.0\.1 is not public and outside the allowed source networks$/,
    ],
  ])('%s: refused, naming the file and the line', (_name, text, message) => {
    expect(() => parse(text)).toThrow(message);
  });

  it('never quotes the value of a secret, only its name', () => {
    const text = 'sources:\n  - name: a\n    preset: coinbase-spot\n    headers: { x-key: "${KEY}" }\n    path: 5\n';
    expect(() => parse(text, { KEY: 'do-not-print-me' })).toThrow(/^sources\.yaml:5: sources\[0\]\.path must be string$/);
    expect(() => parse(text, { KEY: 'do-not-print-me' })).not.toThrow(/do-not-print-me/);
  });
});
