/**
 * The maintenance task `model-upgrade` (issue 17): for every vector kind with an upgrade running (the
 * image descriptor, the face model), re-embeds the library with the target model into the kind's
 * staging table, then cuts over in one transaction and queues what depends on those vectors. The caller
 * (maintenance.ts) holds the Redis lock. Progress is the staged rows in the store, so a worker killed
 * half-way loses at most the photo in hand: the next run (BullMQ's stalled-job retry, or the engine's
 * start) carries on from there.
 */
import type { Job } from 'bullmq';
import { JOB_CLASS, type JobName } from '../../src-shared/jobs.js';
import type { Lane } from '../../src-shared/lanes.js';
import { VECTOR_KINDS, type VectorKind } from '../../src-shared/vector-models.js';
import type { Lanes } from '../../src-core/queues.js';
import { VectorModelsRepo, type CutOverResult } from '../../src-core/store/repos/vector-models-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { slowIfAskedByTest } from '../test-crash-hook.js';
import { NotEmbeddable, UPGRADE_EMBEDDERS } from './upgrade-embedders.js';

/** A job queued after a cut-over. */
export interface AfterCutOver {
  name: JobName;
  lane: Lane;
  data: Record<string, unknown>;
  /** What it recomputes, for the log and the upgrade's result. */
  why: string;
  /** The vector kinds whose cut-over needs it. */
  kinds: readonly VectorKind[];
}

/**
 * Everything that depends on the vectors and is recomputed after a cut-over, in one place. Each keeps
 * what the person decided: the regroup keeps culling decisions and links, the recluster keeps every
 * name, merge, moved face and "not this person", the labels' prototypes keep every example.
 */
export const AFTER_CUT_OVER: readonly AfterCutOver[] = [
  { name: 'maintenance', lane: 'maintenance', data: { task: 'regroup' }, why: 'near-duplicate and burst groups', kinds: ['descriptor'] },
  { name: 'people.recluster', lane: 'maintenance', data: { reason: 'model upgrade' }, why: 'people (a person\'s corrections kept)', kinds: ['descriptor', 'face'] },
  // Labels read the descriptor and the detect result's face boxes, never face vectors: a face cut-over leaves them as they are.
  { name: 'learning.prototypes', lane: 'learning', data: {}, why: 'label prototypes and suggestions (every example kept)', kinds: ['descriptor'] },
];

/** Photos embedded per store round-trip. */
const BATCH = 8;

export interface ModelUpgradeContext {
  sql: SqlDb;
  cacheDir: string;
  lanes: Pick<Lanes, 'queue'>;
}

export type KindUpgradeResult = Extract<CutOverResult, { cutOver: true }> & { kind: VectorKind; embedded: number; missingPreview: number; followUps: string[] };

export type ModelUpgradeResult =
  | { upgrade: 'none'; active: string }
  /** One kind upgraded (the usual case): its outcome, flat. */
  | KindUpgradeResult
  | { upgrades: KindUpgradeResult[] };

/** Runs the upgrade of every kind that has one running, one after the other. */
export async function runModelUpgrade(ctx: ModelUpgradeContext, job?: Pick<Job, 'updateProgress'>): Promise<ModelUpgradeResult> {
  const done: KindUpgradeResult[] = [];
  for (const kind of VECTOR_KINDS) {
    const result = await upgradeKind(ctx, kind, job);
    if (result) done.push(result);
  }
  if (done.length === 0) return { upgrade: 'none', active: (await new VectorModelsRepo(ctx.sql).models('descriptor')).active };
  return done.length === 1 ? done[0]! : { upgrades: done };
}

async function upgradeKind(ctx: ModelUpgradeContext, kind: VectorKind, job?: Pick<Job, 'updateProgress'>): Promise<KindUpgradeResult | null> {
  const repo = new VectorModelsRepo(ctx.sql);
  const { target } = await repo.models(kind);
  if (!target) return null;
  await repo.markRunStart(kind);
  await job?.updateProgress({ kind, pid: process.pid });
  const embed = UPGRADE_EMBEDDERS[kind];
  // Photos whose preview is gone cannot be re-embedded: they lose their vector at the cut-over (no
  // mixing) and get one again when analysed again (the library check re-queues a photo without preview).
  const missingPreview = new Set<string>();
  let embedded = 0;
  let refused = 0;
  try {
    for (;;) {
      const batch = await repo.pendingPhotos(BATCH, missingPreview, kind);
      if (batch.length === 0) {
        const cut = await repo.cutOver(kind, missingPreview);
        if (!cut.cutOver) {
          // Photos analysed meanwhile: their turn, then try again (never a busy loop: the store is the judge).
          if (++refused > 100) throw new Error(`the cut-over was refused 100 times (${cut.pending} photo(s) pending); the next run tries again`);
          continue;
        }
        const followUps = await queueFollowUps(ctx.lanes, kind, cut.to);
        return { kind, ...cut, embedded, missingPreview: missingPreview.size, followUps };
      }
      for (const photo of batch) {
        if ((await repo.models(kind)).target !== target) throw new UpgradeSuperseded(target);
        await slowIfAskedByTest('model-upgrade');
        try {
          await embed({ sql: ctx.sql, cacheDir: ctx.cacheDir, repo }, photo, target);
        } catch (error) {
          if (!(error instanceof NotEmbeddable)) throw error;
          missingPreview.add(photo.photoId);
          continue;
        }
        embedded++;
      }
      const status = await repo.status(kind);
      // The pid tells which worker runs it (the kill test stops exactly that one).
      await job?.updateProgress({ kind, done: status.done, total: status.total, etaAt: status.etaAt, pid: process.pid });
    }
  } catch (error) {
    // Someone switched again (or back) meanwhile: this run's work is moot, the newer request has its own job.
    if (error instanceof UpgradeSuperseded) return null;
    throw error;
  }
}

class UpgradeSuperseded extends Error {
  constructor(target: string) {
    super(`the upgrade to ${target} was cancelled or replaced`);
    this.name = 'UpgradeSuperseded';
  }
}

async function queueFollowUps(lanes: Pick<Lanes, 'queue'>, kind: VectorKind, model: string): Promise<string[]> {
  const stamp = Date.now().toString(36);
  const followUps = AFTER_CUT_OVER.filter((f) => f.kinds.includes(kind));
  for (const f of followUps) {
    await lanes.queue(JOB_CLASS[f.name], f.lane).add(f.name, f.data, {
      jobId: `after-cut-over-${f.name.replace('.', '_')}-${model}-${stamp}`,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 3600 },
      removeOnFail: false,
    });
  }
  return followUps.map((f) => `${f.name}${f.name === 'maintenance' ? ` ${String(f.data.task)}` : ''}: ${f.why}`);
}
