import { loadConfig, storeLocation } from '../../src-core/config.js';
import { createWorkerPool } from '../engine/engine.js';
import { createFileLogger } from '../../src-core/logger.js';
import { libraryPaths } from '../../src-core/paths.js';
import { endpointFromUrl } from '../../src-core/redis-endpoint.js';
import { onInterrupt, STOPPING_MESSAGE } from './interrupt.js';
import { flagsOf, UsageError, type EngineOptions } from './options.js';

/**
 * `shoebox worker`: serve the same queues from another machine. It starts no Redis and no engine:
 * only worker processes against a shared Redis and a shared store (Postgres). The library folder
 * (`--data`) must be the same one the engine uses — a network mount — so that previews written by
 * one machine's CPU workers are readable by another's ML workers.
 */
export async function runWorkers(options: EngineOptions): Promise<number> {
  const config = loadConfig(flagsOf(options));
  if (!config.redisUrl) throw new UsageError('shoebox worker needs --redis <url> (the Redis the engine uses)');
  if (config.store.kind !== 'postgres') {
    throw new UsageError('shoebox worker needs --store postgres://… : several machines cannot share one SQLite file');
  }
  const paths = libraryPaths(config.dataDir);
  const log = createFileLogger(paths.logsDir, `remote-workers-${process.pid}`, 'warn');
  const pool = createWorkerPool(config, paths, endpointFromUrl(config.redisUrl), storeLocation(config), log);
  pool.start();
  await pool.waitUntilReady();
  const interactive = config.interactiveWorker ? ' + 1 interactive (high_priority)' : '';
  process.stdout.write(`${config.cpuWorkers} cpu + ${config.mlWorkers} ml${interactive} workers serving the queues. Ctrl-C stops them.\n`);
  await new Promise<void>((resolve) => {
    onInterrupt({
      message: STOPPING_MESSAGE,
      stop: () => void pool.stop(config.shutdownGraceMs).then(resolve),
      force: () => {
        pool.kill();
        resolve();
      },
    });
  });
  return 0;
}
