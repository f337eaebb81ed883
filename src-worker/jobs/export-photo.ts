/** The `export.photo` job (issue 16): payload checked once, then src-worker/export/export-photo.ts. */
import { UnrecoverableError, type Job } from 'bullmq';
import { ExportPhotoJobData } from '../../src-shared/exports.js';
import { ExportsRepo } from '../../src-core/store/repos/exports-repo.js';
import { PhotoRotationsRepo } from '../../src-core/store/repos/photo-rotations-repo.js';
import { runExportPhoto, type ExportPhotoOutcome } from '../export/export-photo.js';
import { waitWhileBulkHeld } from '../bulk-hold.js';
import type { WorkerServices } from './job-handler.js';

export async function runExportPhotoJob(job: Job, services: Pick<WorkerServices, 'sql' | 'presets'>): Promise<ExportPhotoOutcome> {
  const parsed = ExportPhotoJobData.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`internal: invalid job payload: ${parsed.error.issues[0]?.message}`);
  const outcome = await runExportPhoto(parsed.data, {
    exports: new ExportsRepo(services.sql),
    presetSettings: async (id) => (await services.presets.presets.get(id))?.settings ?? null,
    rotationOf: (photoId) => new PhotoRotationsRepo(services.sql).get(photoId),
    yieldToPerson: () => waitWhileBulkHeld(),
  });
  // The item's failure is in the export's record; the job fails too, so it is listed with its reason.
  if (outcome.outcome === 'failed') throw new UnrecoverableError(outcome.error);
  return outcome;
}
