/**
 * The preset calls of the API contract (issue 15), spread into `api` (contract.ts) as one block.
 * Preset ids look like `builtin:natural`, `imported:<uuid>`, `user:<uuid>`.
 */
import { z } from 'zod';
import { COLOUR_LABELS, contextFindingSchema, crsSettingsSchema, presetRuleSchema, presetSchema } from '../presets.js';

const PhotoId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an id (letters, digits, _ . -)');
const PresetId = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'must be a preset id');
const Naming = z.enum(['stem', 'full']);
const FolderPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'must not contain NUL');
/** Photos per BullMQ priority band of the quality score (≥ 4.5 high, 3.5–4.5 medium, < 3.5 or none low). */
const PriorityBands = z.object({ high: z.number(), medium: z.number(), low: z.number() });

export const PRESET_API = {
  /** The library's presets, the ordered selection rules and how sidecars are named. */
  'presets.list': {
    req: z.object({}).strict(),
    res: z.object({ presets: z.array(presetSchema), rules: z.array(presetRuleSchema), sidecarNaming: Naming }),
  },
  /** Creates (no id) or edits a preset. */
  'presets.save': {
    req: z.object({ id: PresetId.optional(), name: z.string().min(1).max(200), group: z.string().max(200).nullable().optional(), settings: crsSettingsSchema }).strict(),
    res: presetSchema,
  },
  /** Imports a Lightroom / Camera Raw preset file's text. */
  'presets.import': {
    req: z.object({ fileName: z.string().min(1).max(255), xml: z.string().min(1).max(2_000_000) }).strict(),
    res: z.object({ preset: presetSchema, skipped: z.array(z.string()) }),
  },
  'presets.setRules': { req: z.object({ rules: z.array(presetRuleSchema).max(500) }).strict(), res: z.object({ rules: z.array(presetRuleSchema) }) },
  'presets.setNaming': { req: z.object({ naming: Naming }).strict(), res: z.object({ ok: z.literal(true) }) },
  /** A photo's context labels with their reasons, and the suggested preset with the rule that chose it. */
  'photos.context': {
    req: z.object({ photoId: PhotoId }).strict(),
    res: z.object({
      findings: z.array(contextFindingSchema),
      presetId: z.string().nullable(),
      presetName: z.string().nullable(),
      ruleId: z.string().nullable(),
      /** The rule in words: "portrait and golden-hour → Warm portrait". */
      rule: z.string().nullable(),
    }),
  },
  /** Queues sidecar writes: high_priority (a person's request); presetId null = each photo's suggested preset. */
  'presets.apply': {
    req: z.object({ photoIds: z.array(PhotoId).min(1).max(5000), presetId: PresetId.nullable() }).strict(),
    res: z.object({ queued: z.number() }),
  },
  /**
   * "Apply suggested presets to this folder": every photo of the library under the folder gets its
   * suggested preset's sidecar, queued on the bulk (default) lane with a BullMQ priority from its quality.
   */
  'presets.applyFolder': {
    req: z.object({ folder: FolderPath }).strict(),
    res: z.object({ queued: z.number(), byPriority: PriorityBands }),
  },
  /** Deletes an imported or user preset that no rule uses (built-ins are duplicated, not deleted). */
  'presets.delete': { req: z.object({ id: PresetId }).strict(), res: z.object({ ok: z.literal(true) }) },
  /**
   * The preset editor's "after" image: the photo's cached preview rendered with these settings by a worker
   * (a high_priority job), as a JPEG data URL at most `longEdge` pixels on its long side.
   */
  'presets.preview': {
    req: z.object({ photoId: PhotoId, settings: crsSettingsSchema, longEdge: z.number().int().min(64).max(2048).default(800) }).strict(),
    res: z.object({ image: z.string(), width: z.number(), height: z.number(), ms: z.number() }),
  },
  /** Rating (−1 reject … 5) and/or colour label of photos; their sidecars are written by queued jobs. */
  'photos.mark': {
    req: z.object({ photoIds: z.array(PhotoId).min(1).max(5000), rating: z.number().int().min(-1).max(5).nullable().optional(), label: z.enum(COLOUR_LABELS).nullable().optional() }).strict(),
    res: z.object({ updated: z.number() }),
  },
} as const;
