import { Redis } from 'ioredis';
import { ConfigError, loadConfig, storeLocation } from '../../src-core/config.js';
import { createWorkerPool } from '../engine/engine.js';
import { HostReporter } from '../engine/host-reporter.js';
import { createFileLogger } from '../../src-core/logger.js';
import { libraryPaths } from '../../src-core/paths.js';
import { endpointFromUrl, redisOptions } from '../../src-core/redis-endpoint.js';
import { guardSharedRedis } from '../../src-core/shared-redis-guard.js';
import { onInterrupt, STOPPING_MESSAGE } from './interrupt.js';
import { flagsOf, UsageError, type EngineOptions } from './options.js';

/**
 * `shoebox worker`: serve the same queues from another machine. It starts no Redis and no engine:
 * only worker processes against a shared Redis and a shared store (Postgres). The library folder
 * (`--data`) must be the same one the engine uses — a network mount — so that previews written by
 * one machine's CPU workers are readable by another's ML workers.
 *
 * Before taking work it checks the shared Redis is protected (password, noeviction) and that this
 * build's job-payload and model versions are the engine's; it reports its workers to the Redis
 * every few seconds (`shoebox status` lists every machine) and stops, exit code 2, if the engine's
 * versions change under it.
 */
export async function runWorkers(options: EngineOptions): Promise<number> {
  const config = loadConfig(flagsOf(options));
  if (!config.redisUrl) throw new UsageError('shoebox worker needs --redis <url> (the Redis the engine uses)');
  if (config.store.kind !== 'postgres') {
    throw new UsageError('shoebox worker needs --store postgres://… : several machines cannot share one SQLite file');
  }
  const endpoint = endpointFromUrl(config.redisUrl);
  for (const warning of await guardSharedRedis(endpoint)) process.stderr.write(`warning: ${warning}\n`);
  const paths = libraryPaths(config.dataDir);
  const log = createFileLogger(paths.logsDir, `remote-workers-${process.pid}`, 'warn');
  const redis = new Redis(redisOptions(endpoint));
  redis.on('error', () => undefined); // reconnects on its own; a report that fails is logged by the reporter
  const pool = createWorkerPool(config, paths, endpoint, storeLocation(config), log);
  let refused: string | null = null;
  let stopForRefusal: () => void = () => undefined;
  const reporter = new HostReporter(redis, pool, 'worker', log, (reason) => {
    refused = reason;
    stopForRefusal();
  });
  const mismatch = await reporter.checkVersions();
  if (mismatch) {
    redis.disconnect();
    throw new ConfigError(mismatch);
  }
  pool.start();
  reporter.start();
  await pool.waitUntilReady();
  const interactive = config.interactiveWorker ? ' + 1 interactive (high_priority)' : '';
  process.stdout.write(`${config.cpuWorkers} cpu + ${config.mlWorkers} ml${interactive} workers serving the queues. Ctrl-C stops them.\n`);
  await new Promise<void>((resolve) => {
    stopForRefusal = () => void pool.stop(config.shutdownGraceMs).then(resolve);
    if (refused) stopForRefusal();
    onInterrupt({
      message: STOPPING_MESSAGE,
      stop: () => void pool.stop(config.shutdownGraceMs).then(resolve),
      force: () => {
        pool.kill();
        resolve();
      },
    });
  });
  reporter.stop();
  await reporter.report(); // the last report shows the workers stopped
  redis.disconnect();
  if (refused) {
    process.stderr.write(`shoebox worker: ${refused}\n`);
    return 2;
  }
  return 0;
}
