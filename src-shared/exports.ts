/** Exports (issue 16) as the API, CLI and UI see them. */
import { z } from 'zod';

export const EXPORT_FORMATS = ['jpeg', 'webp', 'avif'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { jpeg: 'jpg', webp: 'webp', avif: 'avif' };
export const METADATA_MODES = ['all', 'without-gps', 'none'] as const;
export type MetadataMode = (typeof METADATA_MODES)[number];

/** How each photo is rendered. */
export const renderOptionsSchema = z.object({
  format: z.enum(EXPORT_FORMATS).default('jpeg'),
  quality: z.number().int().min(1).max(100).default(85),
  /** Long edge in px; null keeps the original size (never enlarged). */
  longEdge: z.number().int().min(16).max(65_535).nullable().default(null),
  /** Megapixel cap; null for none. */
  maxMegapixels: z.number().positive().max(200).nullable().default(null),
  colorSpace: z.enum(['srgb', 'p3']).default('srgb'),
  metadata: z.enum(METADATA_MODES).default('all'),
});
export type RenderOptions = z.infer<typeof renderOptionsSchema>;

/** A whole export's options: rendering, the preset whose settings are rendered, the file names. */
export const exportOptionsSchema = renderOptionsSchema.extend({
  /** A preset id; null renders no adjustments. */
  presetId: z.string().min(1).max(200).nullable().default(null),
  nameTemplate: z.string().min(1).max(200).default('{name}'),
});
export type ExportOptions = z.infer<typeof exportOptionsSchema>;

export const EXPORT_STATES = ['running', 'paused', 'cancelled', 'done'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];
export const EXPORT_ITEM_STATES = ['pending', 'done', 'failed'] as const;
export type ExportItemState = (typeof EXPORT_ITEM_STATES)[number];

export interface ExportSummary {
  id: string;
  targetDir: string;
  options: ExportOptions;
  state: ExportState;
  /** Why it is paused ("disk full: …") or cancelled; null otherwise. */
  reason: string | null;
  total: number;
  done: number;
  failed: number;
  pending: number;
  /** While running: photos per minute and seconds left from the recent completion rate (export-eta.ts); null otherwise or until known. */
  perMinute: number | null;
  etaSeconds: number | null;
  createdAt: string;
  updatedAt: string;
}

/** `export.photo` job payload: one item of one export. */
export const ExportPhotoJobData = z.object({
  exportId: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
});
export type ExportPhotoJobData = z.infer<typeof ExportPhotoJobData>;
