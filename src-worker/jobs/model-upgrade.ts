/**
 * The maintenance task `model-upgrade` (issue 17): re-embeds the library with the target descriptor
 * model into the staging table, then cuts over in one transaction and queues what depends on the
 * vectors. The caller (maintenance.ts) holds the exclusive Redis lock. Progress is the staged rows in
 * the store, so a worker killed half-way loses at most the photo in hand: the next run (BullMQ's
 * stalled-job retry, or the engine's start) carries on from there.
 */
import path from 'node:path';
import type { Job } from 'bullmq';
import { JOB_CLASS, type JobName } from '../../src-shared/jobs.js';
import type { Lane } from '../../src-shared/lanes.js';
import { DescriptorModelSchema } from '../../src-shared/vector-models.js';
import type { Lanes } from '../../src-core/queues.js';
import { VectorModelsRepo, type CutOverResult } from '../../src-core/store/repos/vector-models-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { descriptorOf } from '../ml/embedding.js';
import { loadMlImage } from '../stages/ml-stages.js';
import { slowIfAskedByTest } from '../test-crash-hook.js';

/** A job queued after a cut-over. */
export interface AfterCutOver {
  name: JobName;
  lane: Lane;
  data: Record<string, unknown>;
  /** What it recomputes, for the log and the upgrade's result. */
  why: string;
}

/**
 * Everything that depends on the vectors and is recomputed after a cut-over, in one place. Each keeps
 * what the person decided: the regroup keeps culling decisions and links, the recluster keeps every
 * assignment and "not this person" a person made, the labels' prototypes keep every example.
 */
export const AFTER_CUT_OVER: readonly AfterCutOver[] = [
  { name: 'maintenance', lane: 'maintenance', data: { task: 'regroup' }, why: 'near-duplicate and burst groups' },
  { name: 'people.recluster', lane: 'maintenance', data: { reason: 'model upgrade' }, why: 'people (a person\'s corrections kept)' },
  { name: 'learning.prototypes', lane: 'learning', data: {}, why: 'label prototypes and suggestions (every example kept)' },
];

/** Photos embedded per store round-trip. */
const BATCH = 8;

export interface ModelUpgradeContext {
  sql: SqlDb;
  cacheDir: string;
  lanes: Pick<Lanes, 'queue'>;
}

export type ModelUpgradeResult =
  | { upgrade: 'none'; active: string }
  | (Extract<CutOverResult, { cutOver: true }> & { embedded: number; missingPreview: number; followUps: string[] });

export async function runModelUpgrade(ctx: ModelUpgradeContext, job?: Pick<Job, 'updateProgress'>): Promise<ModelUpgradeResult> {
  const repo = new VectorModelsRepo(ctx.sql);
  const { active, target } = await repo.models('descriptor');
  if (!target) return { upgrade: 'none', active };
  const model = DescriptorModelSchema.parse(target);
  await repo.markRunStart('descriptor');
  await job?.updateProgress({ pid: process.pid });
  // Photos whose preview is gone cannot be re-embedded: they lose their vector at the cut-over (no
  // mixing) and get one again when analysed again (the library check re-queues a photo without preview).
  const missingPreview = new Set<string>();
  let embedded = 0;
  let refused = 0;
  try {
    for (;;) {
      const batch = await repo.pendingPhotos(BATCH, missingPreview);
      if (batch.length === 0) {
        const cut = await repo.cutOver('descriptor', missingPreview);
        if (!cut.cutOver) {
          // Photos analysed meanwhile: their turn, then try again (never a busy loop: the store is the judge).
          if (++refused > 100) throw new Error(`the cut-over was refused 100 times (${cut.pending} photo(s) pending); the next run tries again`);
          continue;
        }
        const followUps = await queueFollowUps(ctx.lanes, cut.to);
        return { ...cut, embedded, missingPreview: missingPreview.size, followUps };
      }
      for (const photo of batch) {
        if ((await repo.models('descriptor')).target !== target) throw new UpgradeSuperseded(target);
        await slowIfAskedByTest('model-upgrade');
        let vector: Float32Array;
        try {
          if (!photo.previewPath) throw new Error('no preview');
          vector = await descriptorOf(await loadMlImage(path.join(ctx.cacheDir, photo.previewPath)), model);
        } catch {
          missingPreview.add(photo.photoId);
          continue;
        }
        await repo.stage(photo.photoId, photo.revision, model, vector);
        embedded++;
      }
      const status = await repo.status('descriptor');
      // The pid tells which worker runs it (the kill test stops exactly that one).
      await job?.updateProgress({ done: status.done, total: status.total, etaAt: status.etaAt, pid: process.pid });
    }
  } catch (error) {
    // Someone switched again (or back) meanwhile: this run's work is moot, the newer request has its own job.
    if (error instanceof UpgradeSuperseded) return { upgrade: 'none', active: (await repo.models('descriptor')).active };
    throw error;
  }
}

class UpgradeSuperseded extends Error {
  constructor(target: string) {
    super(`the upgrade to ${target} was cancelled or replaced`);
    this.name = 'UpgradeSuperseded';
  }
}

async function queueFollowUps(lanes: Pick<Lanes, 'queue'>, model: string): Promise<string[]> {
  const stamp = Date.now().toString(36);
  for (const f of AFTER_CUT_OVER) {
    await lanes.queue(JOB_CLASS[f.name], f.lane).add(f.name, f.data, {
      jobId: `after-cut-over-${f.name.replace('.', '_')}-${model}-${stamp}`,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 3600 },
      removeOnFail: false,
    });
  }
  return AFTER_CUT_OVER.map((f) => `${f.name}${f.name === 'maintenance' ? ` ${String(f.data.task)}` : ''}: ${f.why}`);
}
