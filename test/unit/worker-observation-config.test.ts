/** A worker is simulated or sourced, never both, and a sources file with an error stops it before it starts. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../src/cli/options.ts';
import { observationOf, simulationOf, workerOptions } from '../../src/worker/config.ts';
import { simulationFor } from '../../src/worker/simulation.ts';
import { Cleanup, silentLogger } from '../helpers/network.ts';
import { runProgram } from '../helpers/run-program.ts';
import { temporaryDirectory } from '../helpers/temporary.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const configOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(workerOptions, argv, env).values;

async function sourcesFile(text: string): Promise<string> {
  const directory = cleanup.add(await temporaryDirectory());
  const path = join(directory.path, 'sources.yaml');
  await writeFile(path, text);
  return path;
}

describe('observationOf', () => {
  it('simulates by default, with the profile and knobs as before', () => {
    const observation = observationOf(configOf(['--seed', '7']), silentLogger);
    expect(observation).toEqual({ simulation: simulationFor('honest'), seed: 7 });
    expect(simulationOf(configOf(['--profile', 'byzantine', '--byzantine-mode', 'wild']))).toEqual(
      simulationFor('byzantine', { byzantineMode: 'wild' }),
    );
  });

  it('refuses --sources with any simulation knob, from a flag or the environment, and --record without --sources', async () => {
    const path = await sourcesFile('sources:\n  - name: coinbase\n    preset: coinbase-spot\n');
    expect(() => observationOf(configOf(['--sources', path, '--profile', 'honest', '--noise', '0.1']), silentLogger)).toThrow(
      new UsageError('--sources with --profile, --noise: a worker is either simulated or reads real sources, not both'),
    );
    expect(() => observationOf(configOf(['--sources', path], { WORKER_SEED: '3' }), silentLogger)).toThrow(/--sources with --seed/);
    expect(() => observationOf(configOf(['--record', 'prices.ndjson']), silentLogger)).toThrow(/--record needs --sources/);
  });

  it('turns a sources file error into a usage error that names the file and the line', async () => {
    const path = await sourcesFile(
      'sources:\n  - name: coinbase\n    preset: coinbase-spot\n    headers: { x-key: "${NOT_SET_ANYWHERE}" }\n',
    );
    expect(() => observationOf(configOf(['--sources', path]), silentLogger, {})).toThrow(
      new UsageError(`${path}:4: sources[0].headers.x-key needs the environment variable NOT_SET_ANYWHERE, which is not set`),
    );
  });

  it('answers from the sources of a good file', async () => {
    const path = await sourcesFile('sources:\n  - name: coinbase\n    preset: coinbase-spot\n');
    const observation = observationOf(configOf(['--sources', path]), silentLogger);
    expect(observation.observer).toBeDefined();
    await observation.observer?.close?.();
  });
});

describe('npm run start:worker -- --sources', () => {
  it(
    'refuses to start (exit 2) on a bad file, naming the file and the line, and on --sources with --profile',
    { timeout: 30_000 },
    async () => {
      const bad = await sourcesFile('sources:\n  - name: coinbase\n    preset: coinbase-sopt\n');
      const [badRun, bothRun] = await Promise.all([
        runProgram('worker', ['--port', '0', '--sources', bad]),
        runProgram('worker', ['--port', '0', '--sources', bad, '--profile', 'stale']),
      ]);
      expect(badRun.code).toBe(2);
      expect(badRun.stderr).toContain(
        `${bad}:3: sources[0].preset must be one of coinbase-spot, kraken-ticker, bitstamp-ticker, coingecko-simple`,
      );
      expect(bothRun.code).toBe(2);
      expect(bothRun.stderr).toContain('--sources with --profile: a worker is either simulated or reads real sources, not both');
    },
  );
});
