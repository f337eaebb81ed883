/**
 * Child process of the benchmark: runs one stage function in a tight loop (no queue; a no-op store
 * except for 'persist', which measures the store writes themselves). Forked by stage-limits.ts with
 * a slice of the files; it loads what it needs, says 'ready', waits for 'go' (so every process starts
 * together and start-up is not counted), runs, and sends back its per-photo times.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { FileDecision } from '../../src-core/store/store.js';
import type { StageProgressRepo } from '../../src-core/store/repos/stage-progress-repo.js';
import { openStore } from '../../src-core/store/open-store.js';
import { scanFolders } from '../../src-main/engine/ingest/scan.js';
import { readPhotoFile } from '../../src-worker/stages/read-file.js';
import { preprocess } from '../../src-worker/stages/preprocess.js';
import { readMetadata } from '../../src-worker/stages/metadata.js';
import { closeExiftool, sharedExiftool } from '../../src-worker/metadata/exiftool-process.js';
import { ML_STAGES, type MlStageContext } from '../../src-worker/stages/ml-stages.js';
import { loadRgb, resizeRgb, type RgbImage } from '../../src-worker/ml/image.js';
import { loadModel, readManifest } from '../../src-worker/ml/models.js';
import type { Stage } from '../../src-shared/stages.js';

export type LoopKind = 'scan' | 'read' | 'preprocess' | 'metadata' | 'persist' | 'ml' | 'onnx';

export interface LoopTask {
  kind: LoopKind;
  files: string[];
  concurrency: number;
  /** preprocess: where derivatives go (fresh per repetition). persist: the SQLite file. */
  dir?: string;
  /** ml: previews of the files. */
  previews?: string[];
  /** onnx: minimum seconds of inference per model. */
  seconds?: number;
}

export interface LoopResult {
  /** Wall-clock seconds per sub-stage (for 'ml' and 'onnx' several; for the others one). */
  seconds: Record<string, number>;
  /** Items processed per sub-stage. */
  count: Record<string, number>;
  /** onnx: the provider and input shape per model. */
  notes?: Record<string, string>;
}

const noopProgress = new Proxy({}, { get: () => async () => undefined }) as unknown as StageProgressRepo;

/** Files the stage refused (broken photos in a real collection): counted, as the stage did its work on them. */
export let refused = 0;

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      while (next < items.length) {
        const i = next++;
        try {
          await fn(items[i]!, i);
        } catch {
          refused++;
        }
      }
    }),
  );
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

type Runner = () => Promise<LoopResult>;

async function prepare(task: LoopTask): Promise<Runner> {
  const { files, concurrency } = task;
  const one = (name: string, seconds: number, count = files.length): LoopResult => ({ seconds: { [name]: seconds }, count: { [name]: count } });
  switch (task.kind) {
    case 'scan':
      return async () => {
        let n = 0;
        const s = await timed(async () => {
          for await (const _ of scanFolders(files)) n++;
        });
        return one('scan', s, n);
      };
    case 'read':
      return async () => one('read', await timed(() => pool(files, concurrency, async (f) => void (await readPhotoFile(f)))));
    case 'preprocess':
      // As the CPU job does: read the file (bytes + sha1), then the one decode and the derivatives.
      return async () =>
        one('preprocess', await timed(() => pool(files, concurrency, async (f) => {
          const file = await readPhotoFile(f);
          await preprocess({ bytes: file.bytes, contentHash: file.contentHash, cacheDir: task.dir! });
        })));
    case 'metadata': {
      // As the CPU job reads: bytes plus path (sidecar, and exiftool where exifr falls short).
      const bytes = await Promise.all(files.map((f) => fs.readFile(f)));
      const exiftool = sharedExiftool();
      await exiftool.unavailable(); // its start-up is not counted
      let fallbacks = 0;
      return async () => {
        const s = await timed(() => pool(bytes, concurrency, async (b, i) => {
          if ((await readMetadata(b, { path: files[i] }, { exiftool })).usedExiftool) fallbacks++;
        }));
        await closeExiftool();
        return { ...one('metadata', s), notes: { exiftoolFallbacks: String(fallbacks) } };
      };
    }
    case 'persist': {
      // Every store write one photo costs from registration to 'done', as the jobs make them.
      const store = await openStore({ kind: 'sqlite', sqlitePath: task.dir! });
      return async () => {
        const ingestId = crypto.randomUUID();
        await store.ingests.create(ingestId, [path.dirname(files[0]!)]);
        const ids = files.map(() => crypto.randomUUID().replaceAll('-', ''));
        const s = await timed(async () => {
          const decisions: FileDecision[] = files.map((f, i) => ({ kind: 'new', photoId: ids[i]!, path: `${f}#${ingestId}`, size: 1, mtimeMs: 1 }));
          await store.ingests.registerFiles(ingestId, decisions);
          await pool(ids, concurrency, async (id) => {
            const step = async (stage: Stage, write: () => Promise<void>) => {
              await store.progress.startStage(id, 0, stage);
              await write();
              await store.progress.finishStage(id, 0, stage, { state: 'done', ms: 1 });
            };
            await step('preprocess', async () => {
              await store.progress.setContentHash(id, 0, crypto.createHash('sha1').update(id).digest('hex'));
              await store.progress.saveDerivatives(id, 0, { thumbnailPath: 't', previewPath: 'p', width: 6000, height: 4000, dhash: '0123456789abcdef', format: 'jpeg' });
            });
            await step('metadata', () => store.progress.saveMetadata(id, 0, { takenAt: '2020-01-01T00:00:00', make: 'm', model: 'm', lens: null, orientation: 1, width: 6000, height: 4000, iso: 100, exposureTime: 0.01, fNumber: 2.8, focalLength: 50, gps: { lat: 1, lon: 2, alt: null }, rating: null, keywords: [] }));
            for (const stage of ['detect', 'tag', 'embed', 'quality'] as const) {
              await step(stage, () => store.progress.saveResult(id, 0, stage, { bench: true, vector: 'A'.repeat(1200) }));
            }
            await step('persist', () => store.progress.completePhoto(id, 0));
          });
        });
        return one('persist', s);
      };
    }
    case 'ml': {
      for (const stage of ML_STAGES) await stage.load?.();
      return async () => {
        const images: RgbImage[] = [];
        const seconds: Record<string, number> = {};
        const count: Record<string, number> = {};
        // The job decodes the preview once and shares it between the stages.
        seconds['ml-decode'] = await timed(async () => {
          for (const p of task.previews!) {
            const img = await loadRgb(p);
            images.push(Math.max(img.width, img.height) > 1600 ? await resizeRgb(img, 1600, 1600, 'inside') : img);
          }
        });
        count['ml-decode'] = images.length;
        const contexts: MlStageContext[] = images.map((img, i) => ({
          progress: noopProgress,
          photoId: `p${i}`,
          revision: 0,
          previewPath: task.previews![i]!,
          metadata: null,
          derivatives: { thumbnailPath: 't', previewPath: 'p', width: img.width, height: img.height, dhash: '0', format: 'jpeg' },
          image: async () => img,
          results: new Map(),
        }));
        const signal = new AbortController().signal;
        for (const stage of ML_STAGES) {
          seconds[stage.stage] = await timed(() => pool(contexts, concurrency, async (ctx) => void (await stage.run(ctx, signal))));
          count[stage.stage] = contexts.length;
        }
        return { seconds, count };
      };
    }
    case 'onnx': {
      const shapes: Record<string, number[]> = {
        'face-detect': [1, 3, 240, 320],
        'face-landmark': [1, 1, 64, 64],
        'face-eye': [1, 1, 24, 24],
        'face-feature': [1, 3, 112, 112],
        'ocr-det': [1, 3, 640, 960],
        'ocr-det-int8': [1, 3, 640, 960],
        'ocr-rec': [1, 3, 48, 320],
      };
      const manifest = readManifest() as unknown as { models?: Array<{ id: string; file?: string | null }> } & Record<string, unknown>;
      const ids = Object.keys(shapes).filter((id) => JSON.stringify(manifest).includes(`"${id}"`));
      const models = await Promise.all(ids.map((id) => loadModel(id)));
      const { ort } = await import('../../src-worker/ml/models.js');
      return async () => {
        const seconds: Record<string, number> = {};
        const count: Record<string, number> = {};
        const notes: Record<string, string> = {};
        for (const m of models) {
          const shape = shapes[m.id]!;
          const size = shape.reduce((a, b) => a * b, 1);
          const data = new Float32Array(size);
          for (let i = 0; i < size; i++) data[i] = Math.sin(i * 0.37) * 0.8;
          const feeds = { [m.session.inputNames[0]!]: new ort.Tensor('float32', data, shape) };
          await m.session.run(feeds); // warm-up
          let n = 0;
          const t = performance.now();
          while ((performance.now() - t) / 1000 < (task.seconds ?? 1) || n < 3) {
            await m.session.run(feeds);
            n++;
          }
          seconds[m.id] = (performance.now() - t) / 1000;
          count[m.id] = n;
          notes[m.id] = `${m.provider} [${shape.join(',')}]`;
        }
        return { seconds, count, notes };
      };
    }
  }
}

const task = JSON.parse(process.env.SHOEBOX_BENCH_TASK ?? 'null') as LoopTask | null;
if (task && process.send) {
  const run = await prepare(task);
  process.send({ type: 'ready' });
  process.on('message', (message: { type: string }) => {
    if (message?.type !== 'go') return;
    run().then(
      (result) => process.send!({ type: 'result', result: { ...result, notes: { ...result.notes, refused: String(refused) } } }, () => process.exit(0)),
      (error: unknown) => process.send!({ type: 'error', error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1)),
    );
  });
}
