import { ShoeboxError } from '../../src-shared/errors.js';
import type { PhotoDerivatives, PhotoMetadata } from '../../src-shared/photo.js';
import type { Stage } from '../../src-shared/stages.js';
import type { StageProgressRepo } from '../../src-core/store/repos/stage-progress-repo.js';
import { descriptorOf, EMBEDDING_MODEL, imageEmbedding } from '../ml/embedding.js';
import { DEFAULT_FACE_MODEL, DescriptorModelSchema, FaceModelSchema } from '../../src-shared/vector-models.js';
import type { VectorModels } from '../../src-core/store/repos/vector-models-repo.js';
import { FaceAnalyzer, type Face } from '../ml/faces.js';
import { loadRgb, resizeRgb, toBase64F32, type RgbImage } from '../ml/image.js';
import { ObjectDetectorThread } from '../ml/object-detector-thread.js';
import type { DetectedObject } from '../ml/objects.js';
import { configuredTextGate, TextReader, type TextLine } from '../ml/ocr.js';
import { assessQuality } from '../ml/quality.js';
import { buildTags } from '../ml/tags.js';
import type { StageOutcome } from '../stage-runner.js';

/**
 * What each ML stage stores with `progress.saveResult(photoId, revision, stage, json)`:
 *   detect  → { faces: Face[], objects: DetectedObject[], text: TextLine[], objectModel, ms }
 *   tag     → { tags: string[], description: string }
 *   embed   → { model, dims, vector (base64 little-endian float32, unit length) }
 *   quality → { score, priority, parts }
 */
export interface DetectResult {
  faces: Face[];
  /** The face model that made `faces[].embedding` (the library's active one; absent in results from before face models were versioned: face-feature-v1). */
  faceModel?: string;
  /** COCO-80 objects, box normalised x, y, w, h (src-worker/ml/objects.ts). */
  objects: DetectedObject[];
  text: TextLine[];
  /** The object detector that ran (nanodet | centernet, SHOEBOX_OBJECT_DETECTOR) and its score threshold. */
  objectModel: { detector: string; threshold: number };
  /** Timing of each model on this photo, ms. */
  ms: { faces: number; text: number; objects: number };
}

export interface EmbedResult {
  model: string;
  dims: number;
  vector: string;
  /** Only on the way to the store: the running upgrade's target vector (staged there, not kept in the result). */
  upgrade?: { model: string; dims: number; vector: string };
}

/** The context of one photo's ML job, shared by its stages. */
export interface MlStageContext {
  /** Where the stages' results go. */
  progress: StageProgressRepo;
  photoId: string;
  revision: number;
  /** Absolute path of the preview (≤ PREVIEW_SIZE px) written by the CPU job. */
  previewPath: string;
  metadata: PhotoMetadata | null;
  derivatives: PhotoDerivatives | null;
  /** The preview decoded once per job (lazily) and shared by the stages. */
  image(): Promise<RgbImage>;
  /** Results of the earlier stages of this job, by stage. */
  results: Map<Stage, unknown>;
  /** The library's descriptor models (active, and an upgrade's target); absent: the default model only. */
  descriptorModels?: () => Promise<VectorModels>;
  /** The library's face models (the active one embeds the faces); absent: the default face model. */
  faceModels?: () => Promise<VectorModels>;
}

export interface MlStage {
  stage: Stage;
  /** Loads models once per process; called before the worker reports 'ready'. */
  load?: () => Promise<void>;
  run: (ctx: MlStageContext, signal: AbortSignal) => Promise<StageOutcome>;
}

/** Longest side the ML stages work at (the preview is 1,200 px now, 1,600 px in older libraries). */
const ML_MAX_SIDE = 1600;

/** The preview as the ML stages see it (also what a model upgrade re-embeds, so its vectors match a fresh analysis). */
export function loadMlImage(previewPath: string): Promise<RgbImage> {
  return loadRgb(previewPath).then((img) => (Math.max(img.width, img.height) > ML_MAX_SIDE ? resizeRgb(img, ML_MAX_SIDE, ML_MAX_SIDE, 'inside') : img));
}

export function createMlContext(base: Omit<MlStageContext, 'image' | 'results'>): MlStageContext {
  let pending: Promise<RgbImage> | null = null;
  return {
    ...base,
    results: new Map(),
    image: () => {
      pending ??= loadMlImage(base.previewPath);
      return pending;
    },
  };
}

function checkAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new ShoeboxError('stage-timeout', `${what} stopped: ${String(signal.reason ?? 'time limit')}`);
}

/**
 * Loads a model group once per process. A load failure (missing or altered file) is kept and
 * thrown by every run of the stage as a 'model-missing' error naming the file, so the worker
 * still starts and the photo's record says what is wrong.
 */
class Loader<T> {
  private value: T | null = null;
  private error: ShoeboxError | null = null;
  private loading: Promise<void> | null = null;
  constructor(private readonly make: () => Promise<T>) {}
  load(): Promise<void> {
    this.loading ??= this.make().then(
      (v) => {
        this.value = v;
      },
      (e: unknown) => {
        this.error = e instanceof ShoeboxError ? e : new ShoeboxError('model-missing', (e as Error)?.message ?? String(e));
      },
    );
    return this.loading;
  }
  async get(): Promise<T> {
    await this.load();
    if (this.error) throw this.error;
    return this.value!;
  }
}

export const faceModels = new Loader(() => FaceAnalyzer.load());
export const textModels = new Loader(() => TextReader.load());
/** Objects run in their own thread so they overlap faces + OCR (see object-detector-thread.ts). */
export const objectModels = new Loader(() => ObjectDetectorThread.load());

/** Saves a stage's result in the store and hands it to the later stages of the same job. */
async function keepResult(ctx: MlStageContext, stage: Stage, result: unknown): Promise<void> {
  await ctx.progress.saveResult(ctx.photoId, ctx.revision, stage, result);
  ctx.results.set(stage, result);
}

const detectStage: MlStage = {
  stage: 'detect',
  load: async () => {
    await Promise.all([faceModels.load(), textModels.load(), objectModels.load()]);
  },
  run: async (ctx, signal) => {
    const [faceAnalyzer, reader, detector] = await Promise.all([faceModels.get(), textModels.get(), objectModels.get()]);
    const img = await ctx.image();
    checkAborted(signal, 'object detection');
    // Objects first, in their thread; faces and text meanwhile on this one (both block it).
    const objectsRun = detector.detectTimed(img);
    objectsRun.catch(() => undefined); // awaited below; a faces/text failure must not leave it unhandled
    checkAborted(signal, 'face detection');
    let t = performance.now();
    const faceModel = FaceModelSchema.parse((await ctx.faceModels?.())?.active ?? DEFAULT_FACE_MODEL);
    const faces = await faceAnalyzer.analyze(img, faceModel);
    const facesMs = Math.round(performance.now() - t);
    checkAborted(signal, 'text recognition');
    t = performance.now();
    const text = await reader.read(img, { gate: configuredTextGate() });
    const textMs = Math.round(performance.now() - t);
    const { objects, ms: objectsMs } = await objectsRun;
    checkAborted(signal, 'object detection');
    const result: DetectResult = {
      faces,
      faceModel,
      objects,
      text,
      objectModel: { detector: detector.kind, threshold: detector.threshold },
      ms: { faces: facesMs, text: textMs, objects: objectsMs },
    };
    await keepResult(ctx, 'detect', result);
    return { state: 'done', note: `${faces.length} face(s), ${objects.length} object(s) (${detector.kind}), ${text.length} text line(s)` };
  },
};

const tagStage: MlStage = {
  stage: 'tag',
  run: async (ctx) => {
    const detect = ctx.results.get('detect') as DetectResult | undefined;
    if (!detect) return { state: 'skipped', note: 'the detect stage produced no result' };
    const result = buildTags({
      faces: detect.faces,
      objects: detect.objects,
      text: detect.text,
      metadata: ctx.metadata,
      width: ctx.derivatives?.width,
      height: ctx.derivatives?.height,
    });
    await keepResult(ctx, 'tag', result);
    return { state: 'done' };
  },
};

const embedStage: MlStage = {
  stage: 'embed',
  run: async (ctx) => {
    const models = (await ctx.descriptorModels?.()) ?? null;
    const img = await ctx.image();
    const embed = async (model: string): Promise<EmbedResult> => {
      const vector = await descriptorOf(img, DescriptorModelSchema.parse(model));
      return { model, dims: vector.length, vector: toBase64F32(vector) };
    };
    const result: EmbedResult = await embed(models?.active ?? EMBEDDING_MODEL);
    // During a model upgrade a new photo gets the target's vector too, so the cut-over need not wait for it.
    if (models?.target) result.upgrade = await embed(models.target);
    await keepResult(ctx, 'embed', result);
    return { state: 'done', note: result.upgrade ? `also ${result.upgrade.model} (model upgrade)` : undefined };
  },
};

const qualityStage: MlStage = {
  stage: 'quality',
  run: async (ctx) => {
    const detect = ctx.results.get('detect') as DetectResult | undefined;
    const result = await assessQuality(await ctx.image(), detect?.faces ?? []);
    await keepResult(ctx, 'quality', result);
    return { state: 'done', note: detect ? undefined : 'scored without faces (detect produced no result)' };
  },
};

/**
 * Runs every model once on a synthetic picture. The first inference of a session is several times
 * slower than the next (onnxruntime sizes its buffers, the TF.js thread compiles its kernels): the
 * interactive worker pays it at start, not on the first photo a person opens. Load failures are
 * left to the stages to report.
 */
export async function warmUpModels(): Promise<void> {
  const width = 640;
  const height = 480;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const stripe = (Math.floor(x / 24) + Math.floor(y / 24)) % 2 ? 200 : 60;
      data[i] = stripe;
      data[i + 1] = (x * 255) / width;
      data[i + 2] = (y * 255) / height;
    }
  }
  const img: RgbImage = { data, width, height };
  const models = await Promise.allSettled([faceModels.get(), textModels.get(), objectModels.get()]);
  const [faces, text, objects] = models.map((m) => (m.status === 'fulfilled' ? m.value : null)) as [
    FaceAnalyzer | null,
    TextReader | null,
    ObjectDetectorThread | null,
  ];
  // Both text-detector sizes: the gate's and the full pass (which the gate may skip on this picture).
  await Promise.all([objects?.detect(img), faces?.analyze(img), text?.read(img, { gate: false }).then(() => text.mayHaveText(img))]);
  await imageEmbedding(img);
  await assessQuality(img, []);
}

/** The ML stages in pipeline order. */
export const ML_STAGES: readonly MlStage[] = [detectStage, tagStage, embedStage, qualityStage];
