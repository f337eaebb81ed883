/** The few-shot label calls of the API contract (issue 17), spread into `api` (contract.ts) as one block. */
import { z } from 'zod';

const PhotoId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an id (letters, digits, _ . -)');
const LabelName = z.string().trim().min(1).max(100);

export const LabelSummaryDto = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  positives: z.number(),
  negatives: z.number(),
  suggestions: z.number(),
  threshold: z.number().nullable(),
  lastF1: z.number().nullable(),
});
export type LabelSummaryDto = z.infer<typeof LabelSummaryDto>;

/** A photo tile of a label's page: an example (with its kind) or a suggestion (with its score). */
export const LabelPhotoDto = z.object({
  photoId: z.string(),
  path: z.string(),
  thumbnail: z.string().nullable(),
  score: z.number().nullable(),
  kind: z.enum(['positive', 'negative']).nullable(),
});
export type LabelPhotoDto = z.infer<typeof LabelPhotoDto>;

export const EvalRunDto = z.object({
  id: z.string(),
  model: z.string(),
  features: z.string(),
  seed: z.number(),
  folds: z.number(),
  positives: z.number(),
  negatives: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  curve: z.array(z.object({ threshold: z.number(), precision: z.number(), recall: z.number() })),
  createdAt: z.string(),
});
export type EvalRunDto = z.infer<typeof EvalRunDto>;

export const LabelPageDto = z.object({
  label: LabelSummaryDto,
  threshold: z.number().nullable(),
  /** The descriptor model the prototypes were computed from. */
  model: z.string().nullable(),
  examples: z.array(LabelPhotoDto),
  suggestions: z.array(LabelPhotoDto),
  /** Newest first. */
  runs: z.array(EvalRunDto),
});
export type LabelPageDto = z.infer<typeof LabelPageDto>;

const Recalculation = z.object({ recalculation: z.enum(['queued', 'done']) });

export const LABELS_API = {
  'labels.list': { req: z.object({}).strict(), res: z.object({ labels: z.array(LabelSummaryDto) }) },
  /** A label's examples, suggestions above its calibrated threshold (best first) and evaluation runs. */
  'labels.get': { req: z.object({ label: LabelName, limit: z.number().int().min(1).max(1000).default(200) }).strict(), res: LabelPageDto },
  /**
   * Photos become examples of a label (created on first use): 'positive' (accept) or 'negative' ("not this",
   * reject). Queues a debounced recalculation on the learning lane.
   */
  'labels.mark': { req: z.object({ label: LabelName, photoIds: z.array(PhotoId).min(1).max(1000), kind: z.enum(['positive', 'negative']) }).strict(), res: Recalculation },
  'labels.unmark': { req: z.object({ label: LabelName, photoId: PhotoId }).strict(), res: Recalculation },
  /** Queues an evaluation run (seeded k-fold over the examples) on the learning lane. */
  'labels.evaluate': { req: z.object({ label: LabelName }).strict(), res: z.object({ queued: z.boolean() }) },
} as const;
