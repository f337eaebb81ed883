import { loadConfig } from '../../src-core/config.js';
import { createWorkerPool, storeConfigFor } from '../engine/engine.js';
import { createFileLogger } from '../../src-core/logger.js';
import { libraryPaths } from '../../src-core/paths.js';
import { endpointFromUrl } from '../../src-core/redis-endpoint.js';
import type { AnalyzeOptions } from './main.js';
import { flagsOf } from './main.js';

export class WorkerUsageError extends Error {}

/**
 * `shoebox worker`: serve the same queues from another machine. It starts no Redis and no engine:
 * only worker processes against a shared Redis and a shared store (Postgres). The library folder
 * (`--data`) must be the same one the engine uses — a network mount — so that previews written by
 * one machine's CPU workers are readable by another's ML workers.
 */
export async function runWorkers(options: AnalyzeOptions): Promise<number> {
  const config = loadConfig(flagsOf(options));
  if (!config.redisUrl) throw new WorkerUsageError('shoebox worker needs --redis <url> (the Redis the engine uses)');
  if (config.store.kind !== 'postgres') {
    throw new WorkerUsageError('shoebox worker needs --store postgres://… : several machines cannot share one SQLite file');
  }
  const paths = libraryPaths(config.dataDir);
  const log = createFileLogger(paths.logsDir, `remote-workers-${process.pid}`, 'warn');
  const pool = createWorkerPool(config, paths, endpointFromUrl(config.redisUrl), storeConfigFor(config, paths), log);
  pool.start();
  await pool.waitUntilReady();
  const interactive = config.interactiveWorker ? ' + 1 interactive (high_priority)' : '';
  process.stdout.write(`${config.cpuWorkers} cpu + ${config.mlWorkers} ml${interactive} workers serving the queues. Ctrl-C stops them.\n`);
  await new Promise<void>((resolve) => {
    let interrupts = 0;
    const onSignal = () => {
      interrupts++;
      if (interrupts === 1) void pool.stop(config.shutdownGraceMs).then(resolve);
      else {
        pool.kill();
        resolve();
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}
