import { z } from 'zod';
import type { WorkerClass } from './lanes.js';
import { PEOPLE_JOB_NAMES } from './people-jobs.js';
import { LEARNING_JOB_NAMES } from './learning-jobs.js';
import { crsSettingsSchema } from './presets.js';

/**
 * Job payloads carry ids, never file contents: the store holds the truth and a job only says
 * which photo, which revision of it, and which ingest asked for it.
 */
export const PhotoJobData = z.object({
  photoId: z.string().min(1).max(64),
  /** Bumped when the file changed or the person asked for a fresh analysis; part of the job id. */
  revision: z.number().int().nonnegative(),
  ingestId: z.string().min(1).max(64).nullable(),
});
export type PhotoJobData = z.infer<typeof PhotoJobData>;

export const MaintenanceJobData = z.object({
  task: z.enum(['prune-cache', 'optimize-store', 'regroup', 'library-check', 'cleanup', 'index-maintenance', 'model-upgrade']),
});
export type MaintenanceJobData = z.infer<typeof MaintenanceJobData>;

/** Write a photo's XMP sidecar (issue 15): a preset by id, or the photo's suggested one (presetId null). */
export const PresetApplyJobData = z.object({
  photoId: z.string().min(1).max(64),
  presetId: z.string().min(1).max(200).nullable(),
  /** Only these marks (after `rate` / `label-color`; null clears), no preset. */
  marks: z.object({ rating: z.number().int().min(-1).max(5).nullable().optional(), label: z.string().max(40).nullable().optional() }).optional(),
});
export type PresetApplyJobData = z.infer<typeof PresetApplyJobData>;

/**
 * Render a preset's before/after preview for the editor (issue 15): always high_priority (a person waits),
 * from the photo's cached preview, into `outName` under the cache's `preset-previews/` folder.
 */
export const PresetPreviewJobData = z.object({
  photoId: z.string().min(1).max(64),
  settings: crsSettingsSchema,
  longEdge: z.number().int().min(64).max(2048),
  outName: z.string().regex(/^[A-Za-z0-9_-]{8,80}\.jpg$/, 'a plain .jpg file name'),
});
export type PresetPreviewJobData = z.infer<typeof PresetPreviewJobData>;
/** The cache's folder for editor previews: the worker writes one, the engine reads and deletes it. */
export const PRESET_PREVIEW_DIR = 'preset-previews';

export const JOB_NAMES = ['photo.cpu', 'photo.ml', 'maintenance', 'presets.apply', 'presets.preview', 'group', ...PEOPLE_JOB_NAMES, 'export.photo', ...LEARNING_JOB_NAMES] as const;
export type JobName = (typeof JOB_NAMES)[number];

export const JOB_CLASS: Record<JobName, WorkerClass> = {
  'photo.cpu': 'cpu',
  'photo.ml': 'ml',
  maintenance: 'cpu',
  'people.cluster-faces': 'cpu',
  'people.recluster': 'cpu',
  'presets.apply': 'cpu',
  'presets.preview': 'cpu',
  group: 'cpu',
  'export.photo': 'cpu',
  'learning.prototypes': 'cpu',
  'learning.evaluate': 'cpu',
};

/** Deterministic ids stop duplicates: adding a job whose id exists is a no-op in BullMQ. */
export function photoJobId(name: 'photo.cpu' | 'photo.ml' | 'group', data: PhotoJobData): string {
  return `${name.replace('.', '_')}-${data.photoId}-r${data.revision}`;
}

/** The pipeline graph in one place: what runs after a job of this name completed. */
export function nextJob(name: JobName): 'photo.ml' | 'group' | null {
  switch (name) {
    case 'photo.cpu':
      return 'photo.ml';
    case 'photo.ml':
      return 'group';
    case 'group':
      return null;
    case 'maintenance':
    case 'people.cluster-faces':
    case 'people.recluster':
    case 'presets.apply':
    case 'presets.preview':
    case 'export.photo':
    case 'learning.prototypes':
    case 'learning.evaluate':
      return null;
  }
}
