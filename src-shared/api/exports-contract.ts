/** The export calls of the API contract (issue 16), spread into `api` (contract.ts) as one block. */
import { z } from 'zod';
import { EXPORT_STATES, exportOptionsSchema } from '../exports.js';

const PhotoId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an id (letters, digits, _ . -)');
const ExportId = z.string().uuid();

export const exportSummarySchema = z.object({
  id: z.string(),
  targetDir: z.string(),
  options: exportOptionsSchema,
  state: z.enum(EXPORT_STATES),
  reason: z.string().nullable(),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int(),
  perMinute: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const EXPORT_API = {
  /** Creates an export of these photos into `targetDir` (absolute) and queues it on the low lane. */
  'exports.create': {
    req: z.object({ photoIds: z.array(PhotoId).min(1).max(100_000), targetDir: z.string().min(1).max(4096), options: exportOptionsSchema.partial().strict() }).strict(),
    res: exportSummarySchema,
  },
  'exports.list': { req: z.object({}).strict(), res: z.object({ exports: z.array(exportSummarySchema) }) },
  'exports.get': { req: z.object({ id: ExportId }).strict(), res: exportSummarySchema },
  'exports.pause': { req: z.object({ id: ExportId }).strict(), res: exportSummarySchema },
  /** Resumes a paused or interrupted export: queues its pending photos again. */
  'exports.resume': { req: z.object({ id: ExportId }).strict(), res: exportSummarySchema },
  'exports.cancel': { req: z.object({ id: ExportId }).strict(), res: exportSummarySchema },
  /**
   * Opens an export's target folder in the person's file manager (the Electron app: shell.openPath; the
   * browser UI: the engine, which listens on loopback only, runs the platform's opener). By export id
   * only: no other path can be asked for.
   */
  'exports.openFolder': { req: z.object({ id: ExportId }).strict(), res: z.object({ folder: z.string() }) },
} as const;
