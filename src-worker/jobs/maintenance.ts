import fs from 'node:fs/promises';
import path from 'node:path';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { MaintenanceJobData } from '../../src-shared/jobs.js';
import { withRedisLock } from '../redis-lock.js';
import { runRegroup, type GroupJobContext } from './group.js';

/** Temp files older than this were left by a process that died mid-write. */
const STALE_TEMP_MS = 60 * 60 * 1000;

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

/** Maintenance jobs run one at a time across every worker machine, under a Redis lock. */
export async function runMaintenanceJob(job: Job, ctx: { redis: Redis } & GroupJobContext): Promise<unknown> {
  const data = MaintenanceJobData.parse(job.data);
  const result = await withRedisLock(ctx.redis, `maintenance-${data.task}`, 60_000, async () => {
    switch (data.task) {
      case 'prune-cache':
        return { removedTempFiles: await pruneStaleTempFiles(ctx.cacheDir) };
      case 'optimize-store':
        return { skipped: 'the store optimises itself on close' };
      case 'regroup':
        return runRegroup(ctx);
    }
  });
  return result.ran ? result.value : { skipped: 'another worker holds the lock' };
}
