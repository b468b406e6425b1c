/** The example sources file loads as the worker would load it, and README.md shows it as it is. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSourcesFile } from '../../src/worker/sources/definitions.ts';
import { createSourcePolicy } from '../../src/worker/sources/source-policy.ts';

describe('examples/sources.yaml', () => {
  it('is a valid sources file for two providers', () => {
    const { sources, minSources } = loadSourcesFile(
      'examples/sources.yaml',
      { COINGECKO_DEMO_API_KEY: 'demo-key' },
      createSourcePolicy([]),
    );
    expect(sources.map((s) => [s.name, s.preset])).toEqual([
      ['coinbase', 'coinbase-spot'],
      ['coingecko', 'coingecko-simple'],
    ]);
    expect(minSources).toBe(1);
    expect(sources[1]?.ids.AVAX).toBe('avalanche-2');
  });

  it('is the one README.md shows', () => {
    expect(readFileSync('README.md', 'utf8')).toContain(`\`\`\`yaml\n${readFileSync('examples/sources.yaml', 'utf8')}\`\`\``);
  });
});
