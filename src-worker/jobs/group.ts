import type { Job } from 'bullmq';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PhotoJobData } from '../../src-shared/jobs.js';
import type { PhotosRepo } from '../../src-core/store/repos/photos-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { groupPhoto, regroupAll, type RegroupResult } from '../../src-core/culling/culling-service.js';
import { measureFaceSharpness } from '../culling/face-sharpness.js';
import { readSubSeconds } from '../culling/sub-seconds.js';
import { frameSharpness } from '../culling/frame-sharpness.js';
import type { JobResult } from './photo-cpu.js';

/** What grouping reads and writes: the photo, its neighbours in the vector index, the groups' tables. */
export interface GroupJobContext {
  photos: Pick<PhotosRepo, 'get' | 'similar'>;
  sql: SqlDb;
  cacheDir: string;
}

/**
 * Fault injection for the kill test (test/culling-engine.test.ts) only: with SHOEBOX_TEST_GROUP_PAUSE_DIR
 * set, the first group job of the library to get there writes `paused-<pid>` in that folder and waits
 * inside its transaction, so the test can kill the worker half-way through a group write.
 */
async function testPause(): Promise<void> {
  const dir = process.env.SHOEBOX_TEST_GROUP_PAUSE_DIR;
  if (!dir) return;
  try {
    await fs.writeFile(path.join(dir, 'paused-once'), String(process.pid), { flag: 'wx' });
  } catch {
    return; // someone paused already
  }
  await fs.writeFile(path.join(dir, `paused-${process.pid}`), '');
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}

const probeIn = (cacheDir: string) => (previewPath: string, faces: Parameters<typeof measureFaceSharpness>[1]) =>
  measureFaceSharpness(path.join(cacheDir, previewPath), faces);

/**
 * The `group` job of a photo, after its analysis persisted: joins, merges or starts its duplicate and
 * burst groups (one transaction). A job for an older revision of the photo does nothing.
 */
export async function runGroupJob(job: Job<PhotoJobData>, ctx: GroupJobContext): Promise<JobResult> {
  const photo = await ctx.photos.get(job.data.photoId);
  if (!photo) return { outcome: 'stale', why: 'photo no longer in the library' };
  if (photo.revision !== job.data.revision) return { outcome: 'stale', why: `photo is at revision ${photo.revision}, job was for ${job.data.revision}` };
  if (photo.state !== 'done') return { outcome: 'stale', why: `photo is ${photo.state}, not analysed` };
  const result = await groupPhoto(ctx, photo.id, { faceSharpness: probeIn(ctx.cacheDir), subSeconds: readSubSeconds, frameSharpness: (preview: string) => frameSharpness(path.join(ctx.cacheDir, preview)), insideTransaction: testPause });
  return result.skipped ? { outcome: 'stale', why: result.skipped } : { outcome: 'done' };
}

/** The maintenance task `regroup` (its caller holds the exclusive lock). */
export function runRegroup(ctx: GroupJobContext): Promise<RegroupResult> {
  return regroupAll(ctx, { faceSharpness: probeIn(ctx.cacheDir), subSeconds: readSubSeconds, frameSharpness: (preview: string) => frameSharpness(path.join(ctx.cacheDir, preview)) });
}
