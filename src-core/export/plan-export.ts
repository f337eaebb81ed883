/**
 * Creating an export (issue 16): checks the options and the name template, prepares the target folder,
 * reads the photos' facts, gives every photo its file name (collision-safe against the export itself and
 * what the folder already holds) and its priority from the quality score, stores the export, and queues
 * one `export.photo` job per photo on the low lane.
 */
import { readdir } from 'node:fs/promises';
import type { Queue } from 'bullmq';
import { EXPORT_EXTENSIONS, exportOptionsSchema, type ExportOptions, type ExportPhotoJobData, type ExportSummary } from '../../src-shared/exports.js';
import type { JobName } from '../../src-shared/jobs.js';
import type { Lane } from '../../src-shared/lanes.js';
import { BACKOFF_TYPE, type Lanes } from '../queues.js';
import type { ExportItem, ExportsRepo, NewExportItem } from '../store/repos/exports-repo.js';
import { renderNameTemplate, uniqueFileName, validateNameTemplate } from './name-template.js';
import { prepareTargetFolder } from './target-folder.js';

/**
 * The low lane exports run on. `maintenance`, not `learning`: learning carries the few-shot suggestions a
 * person waits to see, while maintenance is background housekeeping that can wait behind an export; its
 * own jobs carry no BullMQ priority, so they still run before the (prioritised) export jobs.
 */
export const EXPORT_LANE: Lane = 'maintenance';

export class ExportRequestError extends Error {}

/** BullMQ priority from the quality score, as the design's follow-up jobs: ≥ 4.5 first, < 3.5 (or unknown) last. */
export function priorityFromQuality(score: number | null): number {
  if (score === null) return 3;
  if (score >= 4.5) return 1;
  if (score >= 3.5) return 2;
  return 3;
}

export function exportJobId(data: ExportPhotoJobData): string {
  return `export_photo-${data.exportId}-${data.seq}`;
}

/** Stores the export (nothing is queued yet). */
export async function createExport(
  repo: ExportsRepo,
  request: { photoIds: readonly string[]; targetDir: string; options: Partial<ExportOptions> },
): Promise<ExportSummary> {
  const parsed = exportOptionsSchema.safeParse(request.options);
  if (!parsed.success) throw new ExportRequestError(`invalid export options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const options = parsed.data;
  try {
    validateNameTemplate(options.nameTemplate);
  } catch (err) {
    throw new ExportRequestError((err as Error).message);
  }
  if (request.photoIds.length === 0) throw new ExportRequestError('nothing to export: the selection holds no photos');
  const facts = await repo.photoFacts([...new Set(request.photoIds)]);
  if (facts.length === 0) throw new ExportRequestError('nothing to export: none of the selected photos is in the library');
  const target = await prepareTargetFolder(request.targetDir);
  const taken = new Set((await readdir(target)).map((n) => n.toLowerCase()));
  const ext = EXPORT_EXTENSIONS[options.format];
  const items: NewExportItem[] = facts.map((f, i) => ({
    photoId: f.photoId,
    originalPath: f.path,
    fileName: uniqueFileName(
      renderNameTemplate(options.nameTemplate, { originalPath: f.path, takenAt: f.takenAt, make: f.make, model: f.model, seq: i + 1, total: facts.length }),
      ext,
      taken,
    ),
    priority: priorityFromQuality(f.quality),
    keywords: f.tags,
    rating: f.rating !== null && f.rating >= 0 ? f.rating : null,
  }));
  return repo.create(target, options, items);
}

/** Queues the jobs of an export's pending items (again after a resume: existing job ids are no-ops). */
export async function queueExportJobs(lanes: Pick<Lanes, 'queue'>, items: readonly ExportItem[]): Promise<number> {
  const queue: Queue = lanes.queue('cpu', EXPORT_LANE);
  const pending = items.filter((i) => i.state === 'pending');
  for (let i = 0; i < pending.length; i += 500) {
    await queue.addBulk(
      pending.slice(i, i + 500).map((item) => {
        const data: ExportPhotoJobData = { exportId: item.exportId, seq: item.seq };
        return {
          name: 'export.photo' satisfies JobName,
          data,
          opts: { jobId: exportJobId(data), priority: item.priority, attempts: 3, backoff: { type: BACKOFF_TYPE, delay: 1000 }, removeOnComplete: true, removeOnFail: false },
        };
      }),
    );
  }
  return pending.length;
}
