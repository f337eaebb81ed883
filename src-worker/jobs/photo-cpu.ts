import type { Job } from 'bullmq';
import type { PhotoJobData } from '../../src-shared/jobs.js';
import type { PhotoRecord } from '../../src-shared/photo.js';
import type { PhotosRepo } from '../../src-core/store/repos/photos-repo.js';
import type { StageProgressRepo } from '../../src-core/store/repos/stage-progress-repo.js';
import type { StageRunsRepo } from '../../src-core/store/repos/stage-runs-repo.js';
import { StageRunner } from '../stage-runner.js';
import { readMetadata } from '../stages/metadata.js';
import { sharedExiftool } from '../metadata/exiftool-process.js';
import { extraOf, type MetadataExtraRepo } from '../../src-core/store/repos/metadata-extra-repo.js';
import { preprocess } from '../stages/preprocess.js';
import { readPhotoFile, type PhotoFile } from '../stages/read-file.js';
import type { PhotoRotationsRepo } from '../../src-core/store/repos/photo-rotations-repo.js';

/** The repositories a photo job uses: it reads the photo and writes stage progress, nothing else. */
export interface PhotoJobRepos {
  photos: Pick<PhotosRepo, 'get' | 'getDetail'>;
  progress: StageProgressRepo;
  /** Every stage execution, for the accounting (re-executions apart from results stored twice). */
  stageRuns: Pick<StageRunsRepo, 'start' | 'finish'>;
}

export interface CpuJobContext extends PhotoJobRepos {
  /** Metadata beyond the core columns (capture-date source, XMP labels, sidecar…), issue 14. */
  metadataExtra: Pick<MetadataExtraRepo, 'save'>;
  /** A person's rotation correction (issue 17); the derivatives and everything after them are turned by it. */
  rotations: Pick<PhotoRotationsRepo, 'get'>;
  cacheDir: string;
  stageTimeoutMs: number;
}

export type JobResult = { outcome: 'done' } | { outcome: 'stale'; why: string };

/** Whether a job still applies to the photo as the store knows it now (null: it does). */
export function staleReason(photo: PhotoRecord | null, data: PhotoJobData): string | null {
  if (!photo) return 'photo no longer in the library';
  if (photo.revision !== data.revision) return `photo is at revision ${photo.revision}, job was for ${data.revision}`;
  if (photo.state === 'cancelled') return 'photo was cancelled';
  if (photo.state === 'done') return 'photo already done';
  return null;
}

/**
 * The CPU job of a photo: read the file once, then preprocess (one decode: preview, thumbnail,
 * dHash) and metadata from the same bytes.
 */
export async function runCpuJob(job: Job<PhotoJobData>, ctx: CpuJobContext): Promise<JobResult> {
  const { photoId, revision } = job.data;
  const photo = await ctx.photos.get(photoId);
  const stale = staleReason(photo, job.data);
  if (stale || !photo) return { outcome: 'stale', why: stale ?? 'photo no longer in the library' };
  const runner = new StageRunner(ctx, job, ctx.stageTimeoutMs);
  let file: PhotoFile | undefined;

  await runner.run('preprocess', async (signal) => {
    file = await readPhotoFile(photo.path);
    await ctx.progress.setContentHash(photoId, revision, file.contentHash);
    const rotation = (await ctx.rotations.get(photoId)) ?? 0;
    const derivatives = await preprocess({ bytes: file.bytes, contentHash: file.contentHash, cacheDir: ctx.cacheDir, signal, rotation });
    await ctx.progress.saveDerivatives(photoId, revision, derivatives);
    return { state: 'done' };
  });

  await runner.run('metadata', async () => {
    const { metadata, warning } = await readMetadata(file!.bytes, { path: photo.path, mtimeMs: file!.mtimeMs }, { exiftool: sharedExiftool() });
    await ctx.progress.saveMetadata(photoId, revision, metadata);
    await ctx.metadataExtra.save(photoId, revision, extraOf(metadata));
    return warning ? { state: 'done', note: warning } : { state: 'done' };
  });
  return { outcome: 'done' };
}
