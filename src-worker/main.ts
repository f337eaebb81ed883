/**
 * A worker process: consumes the queues its launch config names — a class's lanes (the bulk cpu and
 * ml processes) or both classes' high_priority lanes (the interactive process). Forked by the
 * engine's WorkerPool, here or on another machine (`shoebox worker`).
 */
import { PresetService } from '../src-core/presets/preset-service.js';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { queueName, type Lane } from '../src-shared/lanes.js';
import { RECYCLE_EXIT_CODE, WorkerLaunchConfig, type FromWorker, type ToWorker } from '../src-shared/worker-protocol.js';
import { createFileLogger } from '../src-core/logger.js';
import { BACKOFF_TYPE, Lanes, QUEUE_PREFIX } from '../src-core/queues.js';
import { redisOptions } from '../src-core/redis-endpoint.js';
import { openStore } from '../src-core/store/open-store.js';
import { runtimeSettings } from '../src-core/runtime-settings.js';
import { cappedJitterDelay } from './backoff.js';
import { handlerFor, type WorkerServices } from './jobs/job-handler.js';
import { JOB_HANDLERS } from './jobs/registry.js';
import { closeExiftool } from './metadata/exiftool-process.js';
import { closeExportExiftool } from './export/export-metadata.js';
import { PhotoRotationsRepo } from '../src-core/store/repos/photo-rotations-repo.js';
import { MetadataExtraRepo } from '../src-core/store/repos/metadata-extra-repo.js';
import { StageRunsRepo } from '../src-core/store/repos/stage-runs-repo.js';
import { lowerProcessPriority } from './process-priority.js';
import { setBulkHeld } from './bulk-hold.js';
import { ML_STAGES, warmUpModels } from './stages/ml-stages.js';

/** How long a job's lock lives without renewal: a killed worker's job is recovered after about this long. */
const LOCK_DURATION_MS = 15_000;
const STALLED_INTERVAL_MS = 5_000;
/** A job whose worker died this many times fails as "worker crashed". */
const MAX_STALLED_COUNT = 2;
/** After its engine died, a worker waits at most a stage's time limit and this long for its jobs in hand. */
const ENGINE_GONE_GRACE_MS = 10_000;

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

function rssMb(): number {
  return Math.round(process.memoryUsage.rss() / 1024 / 1024);
}

async function main(): Promise<void> {
  const config = WorkerLaunchConfig.parse(JSON.parse(process.env.SHOEBOX_WORKER_CONFIG ?? 'null'));
  // The per-process settings (ML, sqlite-vec), checked before anything loads: a bad one stops start-up.
  runtimeSettings();
  // First, before libuv, libvips or onnxruntime start their threads (they inherit the priority).
  const priority = lowerProcessPriority(config.niceness);
  const log = createFileLogger(config.logsDir, `worker-${config.slotId}`, 'error');
  const served = config.queues.map((q) => `${queueName(q.workerClass, q.lane)}×${q.concurrency}`).join(', ');
  log.info(`worker ${config.slotId} (${config.role}) starting, pid ${process.pid}, ${priority}; queues ${served}`);

  const store = await openStore(config.store);
  const lanes = new Lanes(config.redis, config);
  const lockRedis = new Redis(redisOptions(config.redis));
  lockRedis.on('error', () => undefined);

  if (config.queues.some((q) => q.workerClass === 'ml')) {
    send({ type: 'state', state: 'loading-models', rssMb: rssMb() });
    for (const stage of ML_STAGES) await stage.load?.();
  }

  let jobsDone = 0;
  let active = 0;
  let leaving = false;
  const workers: Worker[] = [];

  const processor = async (job: Job, lane: Lane): Promise<unknown> => {
    active++;
    send({ type: 'state', state: 'busy', rssMb: rssMb() });
    send({ type: 'job-started', jobId: job.id ?? '', photoId: (job.data as { photoId?: string })?.photoId ?? null, queue: job.queueName });
    let ok = false;
    try {
      const result = await dispatch(job, lane);
      ok = true;
      return result;
    } finally {
      active--;
      jobsDone++;
      send({ type: 'job-finished', jobId: job.id ?? '', ok, jobsDone });
      if (active === 0) send({ type: 'state', state: 'ready', rssMb: rssMb() });
      checkRecycle();
    }
  };

  const services: WorkerServices = {
    photos: store.photos,
    progress: store.progress,
    metadataExtra: new MetadataExtraRepo(store.sql),
    rotations: new PhotoRotationsRepo(store.sql),
    stageRuns: new StageRunsRepo(store.sql),
    lanes,
    lockRedis,
    cacheDir: config.cacheDir,
    logsDir: config.logsDir,
    stageTimeoutMs: config.stageTimeoutMs,
    sql: store.sql,
    presets: new PresetService(store, config.cacheDir),
  };
  const dispatch = (job: Job, lane: Lane): Promise<unknown> => handlerFor(JOB_HANDLERS, job.name)(job, lane, services);

  for (const { workerClass, lane, concurrency } of config.queues) {
    const worker = new Worker(queueName(workerClass, lane), (job) => processor(job, lane), {
      connection: redisOptions(config.redis),
      prefix: QUEUE_PREFIX,
      concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) =>
          type === BACKOFF_TYPE ? cappedJitterDelay(attemptsMade, config.backoffBaseMs, config.backoffCapMs) : 1000,
      },
    });
    worker.on('error', (error) => log.warn(`worker ${lane}: ${error.message}`));
    worker.on('failed', (job, error) => log.info(`job ${job?.id} failed: ${error.message}`));
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  send({ type: 'state', state: 'ready', rssMb: rssMb() });
  log.info(`worker ${config.slotId} ready`);
  if (config.role === 'interactive' && config.queues.some((q) => q.workerClass === 'ml')) {
    // After 'ready', so an engine's start-up does not wait for it; a photo that comes meanwhile
    // simply runs after it.
    const t = performance.now();
    void warmUpModels().then(
      () => log.info(`models warmed up in ${Math.round(performance.now() - t)} ms`),
      (error: unknown) => log.warn(`model warm-up failed (the first photo pays for it): ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  const leave = async (exitCode: number, why: string): Promise<void> => {
    if (leaving) return;
    leaving = true;
    log.info(`worker ${config.slotId} leaving: ${why}`);
    send({ type: 'state', state: 'stopping', rssMb: rssMb() });
    // close() stops taking jobs and waits for the ones in hand to finish.
    await Promise.all(workers.map((w) => w.close()));
    await closeExiftool();
    await closeExportExiftool();
    await lanes.close();
    lockRedis.disconnect();
    await store.close();
    process.exit(exitCode);
  };

  function checkRecycle(): void {
    if (leaving) return;
    const rss = rssMb();
    const reason =
      jobsDone >= config.recycleAfterJobs ? `recycled after ${jobsDone} jobs` : rss > config.memoryCeilingMb ? `recycled at ${rss} MB (ceiling ${config.memoryCeilingMb} MB)` : null;
    if (!reason) return;
    send({ type: 'recycle', reason });
    void leave(RECYCLE_EXIT_CODE, reason);
  }

  // Local to this process (BullMQ's worker pause): the lanes' paused state in Redis is not touched.
  const bulkWorkers = workers.filter((_, i) => config.queues[i]!.lane !== 'high_priority');
  process.on('message', (message: ToWorker) => {
    if (message?.type === 'shutdown') void leave(0, 'shutdown requested');
    if (message?.type === 'hold-bulk' && !leaving) {
      setBulkHeld(true);
      for (const w of bulkWorkers) void w.pause(true).catch(() => undefined);
    }
    if (message?.type === 'release-bulk') {
      setBulkHeld(false);
      if (!leaving) for (const w of bulkWorkers) w.resume();
    }
  });
  // The engine died (kill -9): finish what is in hand and go; the next engine starts fresh workers.
  // Jobs a worker cannot finish (Redis gone with its engine) are not waited for past a limit: their
  // locks expire and the next engine runs them again (at-least-once, as after a worker's kill -9).
  const engineGone = (why: string) => {
    setTimeout(() => process.exit(0), config.stageTimeoutMs + ENGINE_GONE_GRACE_MS).unref();
    void leave(0, why);
  };
  process.on('disconnect', () => engineGone('engine went away'));
  // An engine killed while this worker was still starting closed the channel before the listener
  // above existed: that 'disconnect' is gone, and the worker would wait for an engine forever.
  if (process.send && !process.connected) engineGone('engine went away while this worker was starting');
  process.on('SIGTERM', () => void leave(0, 'SIGTERM'));
  process.on('SIGINT', () => undefined); // Ctrl-C reaches the whole process group: the engine decides.
}

main().catch((error) => {
  process.stderr.write(`worker failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
