/**
 * Which lane and BullMQ priority a sidecar write gets (issue 15, the design's follow-up rule): a person's
 * request is always `high_priority` (no priority: it is first by lane); "apply suggested presets to this
 * folder" is bulk work on the `default` lane, ordered by the photo's quality score — ≥ 4.5 high (1),
 * 3.5–4.5 medium (2), < 3.5 or not scored yet low (3) — the same bands the exports use.
 */
import type { PresetApplyJobData } from '../../src-shared/jobs.js';
import type { Lane } from '../../src-shared/lanes.js';
import { priorityFromQuality } from '../export/plan-export.js';

export interface PresetApplyJob {
  lane: Lane;
  data: PresetApplyJobData;
  priority?: number;
}

export type PriorityBand = 'high' | 'medium' | 'low';

export function bandOf(priority: number): PriorityBand {
  return priority <= 1 ? 'high' : priority === 2 ? 'medium' : 'low';
}

/** A person asked for these photos (the detail's button, a selection, a photo named on the CLI). */
export function requestedApplyJobs(photoIds: readonly string[], presetId: string | null): PresetApplyJob[] {
  return photoIds.map((photoId) => ({ lane: 'high_priority', data: { photoId, presetId } }));
}

/** A folder's worth, in the background: the bulk lane, best photos first. */
export function bulkApplyJobs(photos: readonly { photoId: string; quality: number | null }[], presetId: string | null): PresetApplyJob[] {
  return photos.map(({ photoId, quality }) => ({ lane: 'default', data: { photoId, presetId }, priority: priorityFromQuality(quality) }));
}

export function countBands(jobs: readonly PresetApplyJob[]): Record<PriorityBand, number> {
  const out: Record<PriorityBand, number> = { high: 0, medium: 0, low: 0 };
  for (const j of jobs) out[bandOf(j.priority ?? 1)]++;
  return out;
}
