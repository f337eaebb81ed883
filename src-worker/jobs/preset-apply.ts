/**
 * The `presets.apply` job (issue 15): writes one photo's XMP sidecar with a preset (or its suggested one)
 * and the person's marks. A bad payload, a missing photo or preset, or a sidecar that cannot be written
 * (read-only folder, full disk, a sidecar that is not XMP) fails the job with that reason, without
 * retries: trying again would not change the answer, and nothing was written.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { PresetApplyJobData } from '../../src-shared/jobs.js';
import { PresetApplyError, type ApplyOutcome, type PresetService } from '../../src-core/presets/preset-service.js';
import { SidecarWriteError } from '../../src-core/xmp/sidecar-writer.js';

export async function runPresetApplyJob(job: Job, presets: PresetService): Promise<ApplyOutcome> {
  const parsed = PresetApplyJobData.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`internal: invalid job payload: ${parsed.error.issues[0]?.message}`);
  const { photoId, presetId, marks } = parsed.data;
  try {
    return await presets.apply(photoId, marks ? { marks } : presetId === null ? { suggested: true } : { presetId });
  } catch (err) {
    if (err instanceof SidecarWriteError || err instanceof PresetApplyError) throw new UnrecoverableError(err.message);
    throw err;
  }
}
