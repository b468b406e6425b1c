import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coordinatorOptions } from '../../src/coordinator/config.ts';
import { formatHelp, parseCommandLine, UsageError } from '../../src/cli/options.ts';
import { workerOptions } from '../../src/worker/config.ts';

describe('configuration', () => {
  it('takes flags over environment over defaults', () => {
    const { values } = parseCommandLine(coordinatorOptions, ['--port', '9000'], {
      COORDINATOR_PORT: '9100',
      COORDINATOR_TIMEOUT_MS: '750',
    });
    expect(values.port).toBe(9000);
    expect(values.timeoutMs).toBe(750);
    expect(values.host).toBe('127.0.0.1');
  });
  it('names the flag or variable that holds a bad value', () => {
    expect(() => parseCommandLine(coordinatorOptions, ['--port', '70000'], {})).toThrow(
      new UsageError('--port: must be an integer from 0 to 65535, got "70000"'),
    );
    expect(() => parseCommandLine(workerOptions, [], { WORKER_FAILURE_RATE: 'often' })).toThrow(/^WORKER_FAILURE_RATE: must be a number/);
    expect(() => parseCommandLine(workerOptions, ['--failure-modes', 'error,explode'], {})).toThrow(/unknown value\(s\) explode/);
  });
  it('rejects unknown flags', () => {
    expect(() => parseCommandLine(coordinatorOptions, ['--prot', '1'], {})).toThrow(/Unknown option '--prot'/);
  });
  it('parses lists, booleans and optional numbers', () => {
    const { values } = parseCommandLine(workerOptions, ['--failure-modes', 'hang, error'], { WORKER_SEED: '42' });
    expect(values.failureModes).toEqual(['hang', 'error']);
    expect(values.seed).toBe(42);
    expect(parseCommandLine(workerOptions, [], {}).values.seed).toBeUndefined();
    expect(parseCommandLine(coordinatorOptions, ['--validate-responses'], {}).values.validateResponses).toBe(true);
    expect(parseCommandLine(coordinatorOptions, [], { COORDINATOR_VALIDATE_RESPONSES: 'false' }).values.validateResponses).toBe(false);
  });
  it('reads a secret from its flag, its variable, or the file its _FILE variable names', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'secret-')), 'key');
    await writeFile(file, 'from-file\n');
    expect(parseCommandLine(coordinatorOptions, [], { ORACLE_API_KEY_FILE: file }).values.apiKey).toBe('from-file');
    expect(parseCommandLine(coordinatorOptions, [], { ORACLE_API_KEY: 'from-env', ORACLE_API_KEY_FILE: file }).values.apiKey).toBe(
      'from-env',
    );
    expect(parseCommandLine(coordinatorOptions, ['--api-key', 'from-flag'], { ORACLE_API_KEY: 'from-env' }).values.apiKey).toBe(
      'from-flag',
    );
    expect(parseCommandLine(coordinatorOptions, [], {}).values.apiKey).toBeUndefined();
    expect(() => parseCommandLine(coordinatorOptions, [], { ORACLE_API_KEY_FILE: `${file}.missing` })).toThrow(
      /ORACLE_API_KEY_FILE: cannot read .* ENOENT/,
    );
  });

  it('reads the server timeouts and the connection cap of both services from flags and their variables', () => {
    const coordinator = parseCommandLine(coordinatorOptions, ['--headers-timeout-ms', '2000', '--max-connections', '50'], {
      COORDINATOR_REQUEST_TIMEOUT_MS: '9000',
      COORDINATOR_KEEP_ALIVE_TIMEOUT_MS: '700',
    }).values;
    expect(coordinator).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 9000, keepAliveTimeoutMs: 700, maxConnections: 50 });
    const worker = parseCommandLine(workerOptions, ['--request-timeout-ms', '4000'], { WORKER_MAX_CONNECTIONS: '10' }).values;
    expect(worker).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 5000, maxConnections: 10 });
    expect(() => parseCommandLine(workerOptions, ['--max-connections', '0'], {})).toThrow(/^--max-connections: must be an integer/);
    const help = formatHelp('x', 'y', coordinatorOptions);
    expect(help).toContain('--headers-timeout-ms <value>');
    expect(help).toContain('[default: 30000] (env COORDINATOR_REQUEST_TIMEOUT_MS)');
    expect(formatHelp('x', 'y', workerOptions)).toContain('(env WORKER_KEEP_ALIVE_TIMEOUT_MS)');
  });

  it('documents every option with its flag, variable and default in --help', () => {
    const help = formatHelp('x', 'y', workerOptions);
    expect(help).toContain('--min-delay-ms <value>');
    expect(help).toContain('(env WORKER_MIN_DELAY_MS)');
    expect(help).toContain('[default: honest]');
    expect(help).toContain('Probability that a task fails; default 0.1, or the profile');
  });
});
