import { booleanOption, choiceOption, integerOption, runMain, stringOption, UsageError } from '../cli/options.ts';
import { startRedis, type RedisServer } from '../store/redis/local-server.ts';
import { FeedsFileError, loadFeedsFile, type DefinedFeed } from '../coordinator/feeds/feed-definition.ts';
import { handleShutdown } from '../cli/shutdown.ts';
import { createLogger, LOG_LEVELS } from '../logging/logger.ts';
import { LOCAL_FEEDS_FILE, startCluster, type Cluster } from './cluster.ts';
import { formatLogLine } from './log-format.ts';
import { defaultKeyDirectory } from '../signing/key-file.ts';

const clusterOptions = {
  workers: integerOption('Number of worker processes', 'CLUSTER_WORKERS', 3, 1, 64),
  host: stringOption('Interface every process listens on', 'CLUSTER_HOST', '127.0.0.1'),
  port: integerOption('Coordinator port', 'COORDINATOR_PORT', 8080, 1, 65535),
  firstWorkerPort: integerOption(
    'Port of worker-1; worker-i listens on this + i - 1; 0 gives each a free port',
    'CLUSTER_FIRST_WORKER_PORT',
    8081,
    0,
    65535,
  ),
  seed: integerOption(
    'Base seed: worker-i gets seed + i - 1, so runs replay; random when unset',
    'CLUSTER_SEED',
    undefined,
    0,
    4_294_967_295,
  ),
  logLevel: choiceOption('Log level of every process', 'LOG_LEVEL', LOG_LEVELS, 'info'),
  feeds: stringOption('Feeds file the coordinator defines at start-up; "none" for no feeds', 'CLUSTER_FEEDS', LOCAL_FEEDS_FILE),
  ha: booleanOption(
    'High availability on this machine: a local redis-server as the shared store, and two coordinator processes on the port',
    'CLUSTER_HA',
  ),
  keyDir: stringOption(
    "Where the keys live: <dir>/coordinator.key signs the reports, <dir>/workers/<id>.key each worker's answers; created on first start",
    'CLUSTER_KEY_DIR',
    defaultKeyDirectory(),
  ),
  logFormat: choiceOption("How to print the processes' logs", 'CLUSTER_LOG_FORMAT', ['pretty', 'json'] as const, 'pretty'),
};

/** Coordinator processes `--ha` runs on the one port. */
const HA_PROCESSES = 2;

/** What `--ha` runs and how to watch the processes share the work. */
function haHints(redis: RedisServer, url: string): string[] {
  return [
    `High availability: ${HA_PROCESSES} coordinator processes serve ${url}, sharing their state in ${redis.url}.`,
    `  curl -s ${url}/metrics | grep process_start   # ask a few times: different processes answer`,
    `  redis-cli -p ${redis.port} --scan --pattern 'oracle:*' | head`,
  ];
}

/** How to read and follow the feeds, for the lines printed once the cluster is up. */
function feedHints(feeds: readonly DefinedFeed[] | undefined, url: string, clientFlag: string): string[] {
  const [first] = feeds ?? [];
  if (feeds === undefined || first === undefined) return [];
  const described = feeds.map((f) => `${f.feed_id} (${f.query}, ${f.deviation_bps} bps or every ${f.heartbeat_ms / 1000} s)`);
  return [
    `Feeds: ${described.join(', ')}:`,
    `  npm run client -- feeds${clientFlag}`,
    `  npm run client -- watch ${first.feed_id}${clientFlag}`,
    `  curl -s ${url}/feeds/${first.feed_id}/latest`,
    `  curl -sN ${url}/feeds/${first.feed_id}/events`,
  ];
}

await runMain(
  {
    usage: 'npm start -- [options]',
    summary:
      'Runs a local oracle network: a coordinator and N simulated workers, each its own process, the workers registering over HTTP.\n' +
      'Worker simulation knobs (WORKER_FAILURE_RATE, WORKER_MIN_DELAY_MS, ...) are read from the environment by every worker.',
    options: clusterOptions,
  },
  async ({ values }) => {
    const print = (line: string) => process.stdout.write(`${line}\n`);
    // The cluster's own lines look like its children's: JSON, or short lines when pretty.
    const logger = createLogger('cluster', values.logLevel, {
      write: (line: string) => print(values.logFormat === 'pretty' ? formatLogLine(line.trimEnd(), 'cluster') : line.trimEnd()),
    });
    let feeds: DefinedFeed[] | undefined;
    try {
      feeds = values.feeds === 'none' ? undefined : loadFeedsFile(values.feeds);
    } catch (error) {
      if (error instanceof FeedsFileError) throw new UsageError(error.message);
      throw error;
    }
    const starting = new AbortController();
    let cluster: Cluster | undefined;
    let redis: RedisServer | undefined;
    if (values.ha) {
      try {
        redis = await startRedis();
      } catch (error) {
        process.stderr.write(`npm start -- --ha: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      logger.info({ url: redis.url, dir: redis.dir }, 'redis-server started for the shared store');
    }
    const shutdown = handleShutdown({
      logger,
      // Children get SIGTERM and, after 5 s, SIGKILL; workers first, then the coordinator.
      graceMs: 12_000,
      close: async () => {
        starting.abort(new Error('stopped while starting'));
        logger.info('stopping the cluster');
        await cluster?.stop();
        await redis?.close();
      },
      onForcedExit: () => {
        cluster?.killNow();
        redis?.killNow();
      },
    });
    try {
      cluster = await startCluster({
        host: values.host,
        coordinatorPort: values.port,
        firstWorkerPort: values.firstWorkerPort,
        workers: values.workers,
        seed: values.seed,
        logLevel: values.logLevel,
        logFormat: values.logFormat,
        output: print,
        feedsFile: feeds === undefined ? undefined : values.feeds,
        keyDir: values.keyDir,
        store: redis === undefined ? undefined : { url: redis.url, processes: HA_PROCESSES },
        signal: starting.signal,
      });
    } catch (error) {
      if (starting.signal.aborted) return;
      await shutdown.fail(`could not start the cluster: ${(error as Error).message}`);
      return;
    }
    const url = cluster.coordinatorUrl;
    const clientFlag = url === 'http://127.0.0.1:8080' ? '' : ` --coordinator ${url}`;
    print(
      [
        '',
        `Coordinator ready at ${url} with ${cluster.workerIds.length} workers (${cluster.workerIds.join(', ')}).`,
        ...(redis === undefined ? [] : haHints(redis, url)),
        'Try:',
        `  npm run client -- BTC/USD --verify${clientFlag}`,
        `  curl -s -XPOST ${url}/request -H 'content-type: application/json' -d '{"query":"BTC/USD"}'`,
        `  curl -s ${url}/workers`,
        ...feedHints(feeds, url, clientFlag),
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    const exit = await cluster.unexpectedExit;
    await shutdown.fail(`${exit.name} exited with code ${String(exit.code)}`);
  },
);
