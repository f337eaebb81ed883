/**
 * The culling calls of the API contract (spread into `api` in contract.ts): near-duplicate and burst
 * groups, the machine's pick with its reasons, and the person's decisions.
 */
import { z } from 'zod';

const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an id (letters, digits, _ . -)');
export const GroupKindSchema = z.enum(['duplicate', 'burst']);

export const CullDecisionSchema = z.object({
  picked: z.boolean(),
  rejected: z.boolean(),
  rating: z.number().int().min(0).max(5).nullable(),
});

export const CullPhotoSchema = z.object({
  photoId: z.string(),
  path: z.string(),
  thumbnailPath: z.string().nullable(),
  previewPath: z.string().nullable(),
  width: z.number(),
  height: z.number(),
  /** The pick shown: the person's when they chose one, else the machine's. */
  pick: z.boolean(),
  machinePick: z.boolean(),
  score: z.number(),
  reasons: z.array(z.string()),
  decision: CullDecisionSchema,
  /** Face boxes (normalised x, y, w, h) with eye state, for the loupe. */
  faces: z.array(z.object({ box: z.tuple([z.number(), z.number(), z.number(), z.number()]), eyeState: z.enum(['open', 'closed', 'unknown']) })),
});
export type CullPhoto = z.infer<typeof CullPhotoSchema>;

export const CullGroupSchema = z.object({
  id: z.string(),
  kind: GroupKindSchema,
  /** The person picked or rejected something in it. */
  reviewed: z.boolean(),
  photos: z.array(CullPhotoSchema),
});
export type CullGroup = z.infer<typeof CullGroupSchema>;

export const CullCounts = z.object({ duplicate: z.number(), burst: z.number(), toReview: z.number() });

const PreviousDecisions = z.object({ previous: z.array(CullDecisionSchema.extend({ photoId: z.string() })) });

export const cullingApi = {
  /** Groups of ≥ 2 photos, paged by group id; counts of all groups and of those not reviewed yet. */
  'culling.groups': {
    req: z
      .object({ kind: GroupKindSchema.optional(), afterId: Id.optional(), limit: z.number().int().min(1).max(500).default(100) })
      .strict(),
    res: z.object({ groups: z.array(CullGroupSchema), counts: CullCounts, nextAfterId: z.string().nullable() }),
  },
  /** The person picks this photo in its groups (other picks there cleared); returns what it replaced, for undo. */
  'culling.pick': { req: z.object({ photoId: Id }).strict(), res: PreviousDecisions },
  /** The person rejects this photo (nothing is deleted from disk). */
  'culling.reject': { req: z.object({ photoId: Id }).strict(), res: PreviousDecisions },
  /** Puts decisions back (undo). */
  'culling.restore': { req: z.object({ decisions: z.array(CullDecisionSchema.extend({ photoId: Id })).min(1).max(500) }).strict(), res: z.object({ ok: z.literal(true) }) },
  /** Takes a photo out of its group of this kind, for good (a regroup keeps it out). */
  'culling.split': { req: z.object({ photoId: Id, kind: GroupKindSchema }).strict(), res: z.object({ leftGroup: z.string().nullable() }) },
  /** Folds one group into another of the same kind, for good. */
  'culling.merge': { req: z.object({ intoGroupId: Id, fromGroupId: Id }).strict(), res: z.object({ groupId: z.string() }) },
  /** Burst gap (seconds between frames of one series); changing it queues a full regroup. */
  'culling.settings': {
    req: z.object({ burstGapSeconds: z.number().min(0.1).max(60).optional() }).strict(),
    res: z.object({ burstGapSeconds: z.number(), regroupQueued: z.boolean() }),
  },
  /** Queues a full regroup (maintenance lane, exclusive lock); the person's decisions are kept. */
  'culling.regroup': { req: z.object({}).strict(), res: z.object({ queued: z.boolean() }) },
} as const;
