import fs from 'node:fs/promises';
import path from 'node:path';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { MaintenanceJobData } from '../../src-shared/jobs.js';
import type { Lane } from '../../src-shared/lanes.js';
import type { Lanes } from '../../src-core/queues.js';
import { cleanupCache } from '../../src-core/maintenance/cache-cleanup.js';
import { maintainIndexes } from '../../src-core/maintenance/index-maintenance.js';
import { checkLibrary } from '../../src-core/maintenance/library-check.js';
import { MaintenanceRepo } from '../../src-core/store/repos/maintenance-repo.js';
import { MetricsRepo } from '../../src-core/store/repos/metrics-repo.js';
import { StageRunsRepo } from '../../src-core/store/repos/stage-runs-repo.js';
import { pruneOldLogs } from '../../src-core/maintenance/log-files.js';
import { withRedisLock } from '../redis-lock.js';
import { runRegroup, type GroupJobContext } from './group.js';
import { runModelUpgrade } from './model-upgrade.js';

/** Temp files older than this were left by a process that died mid-write. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** A photo replaced in place is analysed again on the default lane, like an ingest's changed file. */
const REANALYSIS_LANE: Lane = 'default';
/**
 * The library check and the cleanup both read and write photo paths and cache files: they share one
 * lock, so they never run at the same time on any worker machine.
 */
const EXCLUSIVE_LOCK = 'maintenance-library';

async function pruneStaleTempFiles(cacheDir: string): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name.includes('.tmp')) {
        const stat = await fs.stat(full).catch(() => null);
        if (stat && Date.now() - stat.mtimeMs > STALE_TEMP_MS) {
          await fs.rm(full, { force: true });
          removed++;
        }
      }
    }
  };
  await walk(cacheDir);
  return removed;
}

export type MaintenanceJobContext = { redis: Redis; lanes: Pick<Lanes, 'addPhotoJobs' | 'queue'>; logsDir: string } & GroupJobContext;

/**
 * Stage-run records (the store's history of every stage execution, see stage-runs-repo.ts) are kept
 * this long. BullMQ's own job records need no cleanup: completed jobs are removed as they complete,
 * and failed ones stay listed until the person retries or discards them (the Failed view).
 */
export const STAGE_RUN_RETENTION_MS = 30 * 24 * 3600_000;

async function runTask(data: MaintenanceJobData, ctx: MaintenanceJobContext, job: Job): Promise<unknown> {
  const repo = new MaintenanceRepo(ctx.sql);
  switch (data.task) {
    case 'prune-cache':
      return { removedTempFiles: await pruneStaleTempFiles(ctx.cacheDir) };
    case 'optimize-store':
    case 'index-maintenance':
      return maintainIndexes(ctx.sql);
    case 'regroup':
      return runRegroup(ctx);
    case 'model-upgrade':
      return runModelUpgrade(ctx, job);
    case 'library-check':
      return checkLibrary({
        repo,
        reanalyse: (photoId, revision) => ctx.lanes.addPhotoJobs([{ name: 'photo.cpu', lane: REANALYSIS_LANE, data: { photoId, revision, ingestId: null } }]),
      });
    case 'cleanup': {
      const derivatives = await cleanupCache(ctx.cacheDir, await repo.referencedDerivatives());
      const logs = await pruneOldLogs(ctx.logsDir);
      return {
        ...derivatives,
        removedTempFiles: await pruneStaleTempFiles(ctx.cacheDir),
        removedStageRuns: await new StageRunsRepo(ctx.sql).pruneFinishedBefore(new Date(Date.now() - STAGE_RUN_RETENTION_MS)),
        removedMetricBuckets: await new MetricsRepo(ctx.sql).prune(),
        removedLogs: logs.removed,
        // Space freed on disk: derivatives and logs (rows freed in the store are reclaimed by its own upkeep).
        bytesFreed: derivatives.bytesFreed + logs.bytesFreed,
      };
    }
  }
}

/**
 * Maintenance jobs run one at a time across every worker machine, under a Redis lock; each run's
 * time, duration and result (or error) is recorded for `shoebox maintenance` and `shoebox status`.
 */
export async function runMaintenanceJob(job: Job, ctx: MaintenanceJobContext): Promise<unknown> {
  const data = MaintenanceJobData.parse(job.data);
  const lock = data.task === 'library-check' || data.task === 'cleanup' ? EXCLUSIVE_LOCK : `maintenance-${data.task}`;
  // A model upgrade's lock expires soon after its holder dies, so the retry of a killed run resumes quickly.
  const ttlMs = data.task === 'model-upgrade' ? 15_000 : 60_000;
  const result = await withRedisLock(ctx.redis, lock, ttlMs, async () => {
    const startedAt = new Date();
    const repo = new MaintenanceRepo(ctx.sql);
    try {
      const value = await runTask(data, ctx, job);
      await repo.recordRun({ task: data.task, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), ms: Date.now() - startedAt.getTime(), ok: true, result: value });
      return value;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await repo.recordRun({ task: data.task, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), ms: Date.now() - startedAt.getTime(), ok: false, result: { error: message } });
      throw error;
    }
  });
  if (!result.ran && data.task === 'model-upgrade') {
    // Not "skipped": the upgrade must finish. The holder is running it, or died and its lock expires
    // within ttlMs; BullMQ retries this job (attempts with backoff, model-upgrade-jobs.ts) until one runs it.
    throw new Error('another worker holds the model-upgrade lock; retrying');
  }
  return result.ran ? result.value : { skipped: 'another worker holds the lock' };
}
