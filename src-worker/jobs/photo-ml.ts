import path from 'node:path';
import type { Job } from 'bullmq';
import { ShoeboxError } from '../../src-shared/errors.js';
import type { PhotoJobData } from '../../src-shared/jobs.js';
import { StageRunner } from '../stage-runner.js';
import { ML_STAGES, createMlContext } from '../stages/ml-stages.js';
import type { PresetService } from '../../src-core/presets/preset-service.js';
import { staleReason, type JobResult, type PhotoJobRepos } from './photo-cpu.js';
import { enqueueClusterFaces } from './people.js';
import type { Lanes } from '../../src-core/queues.js';
import type { Lane } from '../../src-shared/lanes.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { VectorModelsRepo } from '../../src-core/store/repos/vector-models-repo.js';
import { scorePhoto } from '../../src-core/learning/label-learning.js';

export interface MlJobContext extends PhotoJobRepos {
  /** The store's SQL surface: which descriptor model(s) the embed stage computes (absent: the default one). */
  sql?: SqlDb;
  cacheDir: string;
  stageTimeoutMs: number;
  presets?: Pick<PresetService, 'computeContext'>;
  /** Where follow-up jobs go (people.cluster-faces). */
  lanes: Pick<Lanes, 'queue'>;
}

/** The ML job of a photo: the model stages on the preview, then persist (the photo counts as done). */
export async function runMlJob(job: Job<PhotoJobData>, ctx: MlJobContext, lane: Lane = 'default'): Promise<JobResult> {
  const { photoId, revision } = job.data;
  // One read: the detail carries the photo record the staleness check needs.
  const detail = await ctx.photos.getDetail(photoId);
  const stale = staleReason(detail, job.data);
  if (stale) return { outcome: 'stale', why: stale };
  const runner = new StageRunner(ctx, job, ctx.stageTimeoutMs);
  if (!detail?.derivatives) {
    // The CPU job must have written the preview; without it the ML stages have nothing to read.
    await runner.run('detect', async () => {
      throw new ShoeboxError('internal', 'the preview from the preprocess stage is missing');
    });
    return { outcome: 'done' };
  }
  const previewPath = path.join(ctx.cacheDir, detail.derivatives.previewPath);
  const mlContext = createMlContext({
    progress: ctx.progress,
    photoId,
    revision,
    previewPath,
    metadata: detail.metadata,
    derivatives: detail.derivatives,
    descriptorModels: ctx.sql ? () => new VectorModelsRepo(ctx.sql!).models('descriptor') : undefined,
    faceModels: ctx.sql ? () => new VectorModelsRepo(ctx.sql!).models('face') : undefined,
  });
  for (const mlStage of ML_STAGES) {
    await runner.run(mlStage.stage, (signal) => mlStage.run(mlContext, signal));
  }
  await runner.run('persist', async () => {
    await ctx.progress.completePhoto(photoId, revision);
    return { state: 'done' };
  });
  await enqueueClusterFaces(ctx.lanes, lane, { photoId, revision }); // follow-up: its faces join people (a lost add is redone by a recluster)
  // Issue 15: context → suggested preset; cheap, and on failure computed again when a person asks for it.
  await ctx.presets?.computeContext(photoId).catch(() => undefined);
  // Issue 17: its score per label (a few dot products); a failure leaves it for the next recalculation.
  if (ctx.sql) await scorePhoto(ctx.sql, photoId).catch(() => undefined);
  return { outcome: 'done' };
}
