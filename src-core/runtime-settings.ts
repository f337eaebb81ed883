import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { DESCRIPTOR_MODELS, DescriptorModelSchema, FACE_MODELS, FaceModelSchema } from '../src-shared/vector-models.js';

/** onnxruntime-node's execution providers, by the names it takes. */
export const ML_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] as const;
export const OBJECT_DETECTORS = ['nanodet', 'centernet'] as const;
export type ObjectDetectorKind = (typeof OBJECT_DETECTORS)[number];
/** How NanoDet runs: onnxruntime (models/nanodet.onnx, the default) or its TF.js source graph (as before issue 19). */
export const OBJECT_RUNTIMES = ['onnx', 'tfjs'] as const;
export type DetectorRuntime = (typeof OBJECT_RUNTIMES)[number];
/** The text detector's weights: the shipped fp32 model or its static int8 (QDQ) quantisation (issue 19). */
export const OCR_DET_MODELS = ['fp32', 'int8'] as const;
/** SHOEBOX_OCR_GATE: off (0: always-on OCR), cells (lit map cells open it), confirm (1, the default: the recogniser confirms; src-worker/ml/ocr.ts). */
export const OCR_GATE_MODES = ['off', 'cells', 'confirm'] as const;
export type OcrGateMode = (typeof OCR_GATE_MODES)[number];
/** The text gate the stages use unless SHOEBOX_OCR_GATE says otherwise (also what `1` means). */
export const DEFAULT_OCR_GATE: OcrGateMode = 'confirm';
export type OcrDetModel = (typeof OCR_DET_MODELS)[number];

/**
 * The preview's long side: 1,200 px lets libjpeg shrink a 6,000 px camera JPEG by 4 on load (sharp
 * does it only for targets ≤ 1/5 of the original); it was 1,600 px before issue 19.
 */
export const DEFAULT_PREVIEW_SIZE = 1200;

/**
 * NanoDet's input side: 416, the size it was converted at. 384 costs 0.78 of its CPU and is a setting,
 * not the default, until a labelled check shows that what it finds is as good (README, "Issue 19: the
 * profile"); on onnxruntime the whole detector is ~80 ms of a photo's ~750 (README, "Issue 19: this round").
 */
export const DEFAULT_NANODET_SIDE = 416;

/**
 * Settings every process reads from its environment (the engine, each worker, a detector thread):
 * the ML ones and whether to load sqlite-vec. Workers inherit the engine's environment, and the
 * engine checks these at start (loadConfig), so a bad value stops start-up, not a worker later.
 */
export const RuntimeSettings = z.object({
  /** SHOEBOX_ML_THREADS: threads per ONNX session; null = sized from the core count. */
  mlThreads: z.number().int().min(1).max(16).nullable(),
  /** SHOEBOX_ML_PROVIDER: force one execution provider (CPU stays the fall-back); null = best available. */
  mlProvider: z.enum(ML_PROVIDERS).nullable(),
  /** SHOEBOX_OBJECT_DETECTOR. */
  objectDetector: z.enum(OBJECT_DETECTORS),
  /** SHOEBOX_OBJECT_RUNTIME: onnx (default) or tfjs, NanoDet's TF.js source graph (~5× the CPU; for comparisons). */
  objectRuntime: z.enum(OBJECT_RUNTIMES),
  /** SHOEBOX_MODELS_DIR, absolute; null = the models/ folder of the installation. */
  modelsDir: z.string().min(1).nullable(),
  /** false when SHOEBOX_NO_SQLITE_VEC is set: similar photos by an exact scan instead of the vec0 index. */
  sqliteVec: z.boolean(),
  /** SHOEBOX_SQLITE_VEC_PATH: sqlite-vec's library at an explicit path (the packaged app's, outside app.asar); it must load. */
  sqliteVecPath: z.string().min(1).nullable(),
  /** SHOEBOX_SQLITE_BINDING: better-sqlite3's add-on built for this runtime (the desktop app's Electron build). */
  sqliteBinding: z.string().min(1).nullable(),
  /**
   * SHOEBOX_DESCRIPTOR_MODEL: the image descriptor the library should use; when it differs from the
   * library's active one the engine starts a model upgrade at start. null = keep the library's
   * (`shoebox models use <id>` switches without a restart).
   */
  descriptorModel: DescriptorModelSchema.nullable(),
  /** SHOEBOX_FACE_MODEL: the face model the library should use; a different one starts an upgrade at engine start. */
  faceModel: FaceModelSchema.nullable(),
  /** SHOEBOX_PREVIEW_SIZE: long side of the preview the CPU class writes and the ML class reads (issue 19). */
  previewSize: z.number().int().min(256).max(4096),
  /**
   * SHOEBOX_OCR_GATE: `confirm` (1, default) runs the full-resolution text detection only where the
   * recogniser read a line in a 768 px pass's best boxes; `cells` where a 640 px pass lit map cells
   * (the default before; texture opens it); `off` (0) on every photo (the old way, for comparisons).
   */
  ocrGate: z.enum(OCR_GATE_MODES),
  /**
   * SHOEBOX_EMBEDDED_PREVIEW (default 1): a JPEG's camera-written large thumbnail (MPF index) is the
   * working image when it is big enough and has the photo's shape; 0 always decodes the primary
   * (for libraries edited by a tool that rewrites the pixels but keeps the camera's stale preview).
   */
  embeddedPreview: z.boolean(),
  /** SHOEBOX_NANODET_SIDE: NanoDet's square input, px (multiple of 32, 160–640; converted at 416). */
  nanodetSide: z.number().int().min(160).max(640).multipleOf(32),
  /** SHOEBOX_OCR_DET_MODEL: fp32 (default) or int8 text detector (models/MODELS.md has the measured difference). */
  ocrDetModel: z.enum(OCR_DET_MODELS),
});
export type RuntimeSettings = z.infer<typeof RuntimeSettings>;

type Env = Readonly<Record<string, string | undefined>>;

const raw = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name}=${env[name]} is not allowed: use one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function intIn(env: Env, name: string, min: number, max: number): number | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new ConfigError(`${name}=${env[name]} is not allowed: use a whole number from ${min} to ${max}`);
  }
  return n;
}

function multipleOf32(env: Env, name: string, min: number, max: number): number | undefined {
  const n = intIn(env, name, min, max);
  if (n !== undefined && n % 32 !== 0) throw new ConfigError(`${name}=${env[name]} is not allowed: use a multiple of 32 from ${min} to ${max}`);
  return n;
}

function flag(env: Env, name: string): boolean | undefined {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${name}=${env[name]} is not allowed: use 1 or 0 (true/false, yes/no, on/off)`);
}

/** SHOEBOX_OCR_GATE: a mode by name, or a flag (1 = on: the default gate, confirm; 0 = off). */
function ocrGateMode(env: Env): OcrGateMode | undefined {
  const value = raw(env, 'SHOEBOX_OCR_GATE')?.toLowerCase();
  if (value === undefined) return undefined;
  if ((OCR_GATE_MODES as readonly string[]).includes(value)) return value as OcrGateMode;
  try {
    return flag(env, 'SHOEBOX_OCR_GATE') ? DEFAULT_OCR_GATE : 'off';
  } catch {
    throw new ConfigError(`SHOEBOX_OCR_GATE=${env.SHOEBOX_OCR_GATE} is not allowed: use 1 or 0 (true/false, yes/no, on/off), or one of ${OCR_GATE_MODES.join(', ')}`);
  }
}

/** Parses and checks the settings; a bad value is a ConfigError naming the variable and what it allows. */
export function readRuntimeSettings(env: Env = process.env): RuntimeSettings {
  const modelsDir = raw(env, 'SHOEBOX_MODELS_DIR');
  return RuntimeSettings.parse({
    mlThreads: intIn(env, 'SHOEBOX_ML_THREADS', 1, 16) ?? null,
    mlProvider: oneOf(env, 'SHOEBOX_ML_PROVIDER', ML_PROVIDERS) ?? null,
    objectDetector: oneOf(env, 'SHOEBOX_OBJECT_DETECTOR', OBJECT_DETECTORS) ?? 'nanodet',
    objectRuntime: oneOf(env, 'SHOEBOX_OBJECT_RUNTIME', OBJECT_RUNTIMES) ?? 'onnx',
    modelsDir: modelsDir ? path.resolve(modelsDir) : null,
    sqliteVec: !(flag(env, 'SHOEBOX_NO_SQLITE_VEC') ?? false),
    sqliteVecPath: raw(env, 'SHOEBOX_SQLITE_VEC_PATH') ?? null,
    sqliteBinding: raw(env, 'SHOEBOX_SQLITE_BINDING') ?? null,
    descriptorModel: oneOf(env, 'SHOEBOX_DESCRIPTOR_MODEL', DESCRIPTOR_MODELS) ?? null,
    faceModel: oneOf(env, 'SHOEBOX_FACE_MODEL', FACE_MODELS) ?? null,
    previewSize: intIn(env, 'SHOEBOX_PREVIEW_SIZE', 256, 4096) ?? DEFAULT_PREVIEW_SIZE,
    ocrGate: ocrGateMode(env) ?? DEFAULT_OCR_GATE,
    embeddedPreview: flag(env, 'SHOEBOX_EMBEDDED_PREVIEW') ?? true,
    nanodetSide: multipleOf32(env, 'SHOEBOX_NANODET_SIDE', 160, 640) ?? DEFAULT_NANODET_SIDE,
    ocrDetModel: oneOf(env, 'SHOEBOX_OCR_DET_MODEL', OCR_DET_MODELS) ?? 'fp32',
  });
}

let cached: RuntimeSettings | null = null;

/** This process's settings, read from its environment once (the first call throws on a bad value). */
export function runtimeSettings(): RuntimeSettings {
  cached ??= readRuntimeSettings(process.env);
  return cached;
}
