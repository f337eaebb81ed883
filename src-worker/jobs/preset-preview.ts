/**
 * The `presets.preview` job (issue 15): the preset editor's "after" image. Renders the photo's CACHED
 * preview (not the original: fast, and what the "before" image shows) through the export's own renderer
 * (src-worker/export/render.ts, the same crs: adjustments an export renders) at the editor's size, into
 * the cache's preset-previews folder, where the engine picks it up. Runs on high_priority: a person waits.
 * Every failure is final (a retry would come after the person moved the slider again).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import { PRESET_PREVIEW_DIR, PresetPreviewJobData } from '../../src-shared/jobs.js';
import { renderExport } from '../export/render.js';
import type { WorkerServices } from './job-handler.js';

export interface PresetPreviewResult {
  outName: string;
  width: number;
  height: number;
  /** Render time in the worker. */
  ms: number;
}

export async function runPresetPreviewJob(job: Job, services: Pick<WorkerServices, 'photos' | 'cacheDir'>): Promise<PresetPreviewResult> {
  const parsed = PresetPreviewJobData.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`internal: invalid job payload: ${parsed.error.issues[0]?.message}`);
  const { photoId, settings, longEdge, outName } = parsed.data;
  const detail = await services.photos.getDetail(photoId);
  if (!detail) throw new UnrecoverableError(`no photo with id ${photoId}`);
  if (!detail.derivatives) throw new UnrecoverableError('the photo has no cached preview yet: its analysis has not got that far');
  const dir = path.join(services.cacheDir, PRESET_PREVIEW_DIR);
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  try {
    const out = await renderExport(
      {
        originalPath: path.join(services.cacheDir, detail.derivatives.previewPath),
        settings,
        options: { format: 'jpeg', quality: 85, longEdge, maxMegapixels: null, colorSpace: 'srgb', metadata: 'none' },
        keywords: [],
        rating: null,
      },
      path.join(dir, outName),
    );
    return { outName, width: out.width, height: out.height, ms: Math.round(performance.now() - started) };
  } catch (err) {
    throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
  }
}
