import { z } from 'zod';

/**
 * The models that make stored vectors, and the state of a model upgrade (issue 17, "model upgrades
 * without mixing"). A vector row always records the model id that made it (`photo_embeddings.model`,
 * `faces.model`); the library has one *active* model per kind, and queries read vectors of that model
 * only. Switching models re-embeds the library into a staging table and cuts over in one transaction.
 */

/** Image descriptors the worker can compute offline (src-worker/ml/embedding.ts). Id = name + version. */
export const DESCRIPTOR_MODELS = ['shoebox-global-v1', 'shoebox-global-v2'] as const;
export type DescriptorModel = (typeof DESCRIPTOR_MODELS)[number];
export const DescriptorModelSchema = z.enum(DESCRIPTOR_MODELS);
/** A new library's descriptor (and every library's before model upgrades existed). */
export const DEFAULT_DESCRIPTOR_MODEL: DescriptorModel = 'shoebox-global-v1';

/**
 * Face embeddings the worker can compute offline (src-worker/ml/face-embedding.ts, models/MODELS.md):
 * v1 = fr_feature.onnx on the aligned 112 px crop; v2 = the same backbone on the crop and its mirror,
 * averaged, then a seeded random rotation — vectors of v2 cannot be compared with v1's.
 */
export const FACE_MODELS = ['face-feature-v1', 'face-feature-v2'] as const;
export type FaceModel = (typeof FACE_MODELS)[number];
export const FaceModelSchema = z.enum(FACE_MODELS);
/** A new library's face model (and what every face row stored before model ids were versioned is). */
export const DEFAULT_FACE_MODEL: FaceModel = 'face-feature-v1';

/** The vector kinds a library keeps one active model of (the descriptor first: older readers take models[0]). */
export const VECTOR_KINDS = ['descriptor', 'face'] as const;
export type VectorKind = (typeof VECTOR_KINDS)[number];

/** The models of each kind this build can switch to. */
export const MODELS_OF_KIND: Readonly<Record<VectorKind, readonly string[]>> = { descriptor: DESCRIPTOR_MODELS, face: FACE_MODELS };

/** The kind a model id belongs to (null for an unknown id). */
export function kindOfModel(model: string): VectorKind | null {
  return VECTOR_KINDS.find((kind) => MODELS_OF_KIND[kind].includes(model)) ?? null;
}

export const UpgradeStateSchema = z.enum(['idle', 'running', 'done', 'failed']);

/** One kind's models and the upgrade in progress (or the last one), as the API, `shoebox models` and `shoebox status` show it. */
export const VectorModelStatusSchema = z.object({
  kind: z.enum(VECTOR_KINDS),
  /** The model every query reads and every new analysis writes. */
  active: z.string(),
  /** The model being re-embedded into; null when no upgrade runs. */
  target: z.string().nullable(),
  state: UpgradeStateSchema,
  /** Photos with a vector of `target` / photos that need one (null when idle). */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Estimated end from the rate since this run (or its resume) started; null until it has a rate. */
  etaAt: z.string().nullable(),
  /** Photos per second since this run (or its resume) started. */
  perSecond: z.number().nullable(),
  /** The last upgrade's outcome (vectors replaced, dropped) or error. */
  result: z.unknown().nullable(),
  /** The models this build can switch to. */
  available: z.array(z.string()),
});
export type VectorModelStatus = z.infer<typeof VectorModelStatusSchema>;
