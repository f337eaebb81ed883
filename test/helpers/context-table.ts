/**
 * Real photos from ../shared with the context labels and the preset the default rules should give them
 * (issue 15): one table for the rule test (test/context-rules.test.ts) and the eval's presets section
 * (test/eval/presets-eval.ts). `contextOfFile` runs what the pipeline runs: the metadata stage's reader,
 * the real ONNX face and text models on a ≤ 1600 px oriented preview, the tone statistics, the rules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ContextFinding, ContextLabel } from '../../src-shared/presets.js';
import { contextInputOf } from '../../src-core/context/context-input.js';
import { recogniseContext } from '../../src-core/context/context-rules.js';
import { imageStats } from '../../src-core/context/image-stats.js';
import type { FaceAnalyzer } from '../../src-worker/ml/faces.js';
import { loadRgb } from '../../src-worker/ml/image.js';
import type { TextReader } from '../../src-worker/ml/ocr.js';
import { readMetadata } from '../../src-worker/stages/metadata.js';

export interface ContextExpectation {
  /** Relative to ../shared, or to the repository's assets/samples when it starts with `samples/`. */
  file: string;
  /** What a person looking at the photo (and its metadata) would call it. */
  labels: ContextLabel[];
  preset: string;
  /** Set where the rules are known to get it wrong (the test reports it as a to-do; the eval counts it). */
  knownMiss?: string;
}

/** Where a table row's photo lives. */
export function expectationPath(row: ContextExpectation, sharedDir: string, repoRoot: string): string {
  return row.file.startsWith('samples/') ? path.join(repoRoot, 'assets', row.file) : path.join(sharedDir, row.file);
}

export const CONTEXT_TABLE: readonly ContextExpectation[] = [
  // Italy, 22 Oct 2008, 16:28 camera clock: the sun 5.6° up, a 24 mm view with nobody in it.
  { file: 'photos/jpg/gps/DSCN0010.jpg', labels: ['golden-hour', 'landscape'], preset: 'builtin:landscape' },
  // Madrid, 10 Apr 2015, 20:12: the sun 18° below the horizon.
  { file: 'photos/jpg/hdr/iphone_hdr_YES.jpg', labels: ['night', 'landscape'], preset: 'builtin:low-light' },
  // f/2.4, 1/25 s, ISO 320 indoors: EV100 5.5.
  { file: 'photos/jpg/mobile/jolla.jpg', labels: ['low-light', 'landscape'], preset: 'builtin:low-light' },
  // Helsinki, 14 Aug 2022, 14:12+03:00: midday sun, a wide panorama.
  { file: 'photos/jpg/mobile/HMD_Nokia_8.3_5G.jpg', labels: ['daylight', 'landscape'], preset: 'builtin:landscape' },
  { file: 'faces/obama-1.jpg', labels: ['portrait'], preset: 'builtin:portrait' },
  { file: 'faces/group-obama_biden.jpg', labels: ['group', 'backlit'], preset: 'builtin:portrait' },
  // A grey-scale scan of an old portrait.
  { file: 'photos/tiff/DudleyLeavittUtah.tiff', labels: ['portrait', 'black-and-white'], preset: 'builtin:black-and-white' },
  // A technical drawing with labels.
  { file: 'photos/tiff/Rudless.tiff', labels: ['document', 'black-and-white'], preset: 'builtin:document' },
  // assets/samples, judged by looking at them. Tuscany, 22 Oct 2008 after 16:30: the sun low (GPS + camera clock).
  { file: 'samples/DSCN0021.jpg', labels: ['golden-hour', 'landscape'], preset: 'builtin:landscape' },
  { file: 'samples/DSCN0029.jpg', labels: ['golden-hour', 'landscape'], preset: 'builtin:landscape' },
  {
    file: 'samples/DSCN0040.jpg', labels: ['golden-hour', 'landscape'], preset: 'builtin:landscape',
    knownMiss: 'called backlit: a bright, clipped sky at the border, while the church in the centre is lit from the front',
  },
  // A trail camera in snowy woods; no GPS, so no time-of-day label.
  { file: 'samples/Reconyx_HC500_Hyperfire.jpg', labels: ['landscape'], preset: 'builtin:landscape' },
  // Mountains in autumn, cars in front (no GPS).
  { file: 'samples/olympus-c960.jpg', labels: ['landscape'], preset: 'builtin:landscape' },
  {
    file: 'samples/nikon-e950.jpg', labels: ['landscape'], preset: 'builtin:landscape',
    knownMiss: 'called backlit: a white building behind a dark cannon reads as a bright border around a dark centre',
  },
  {
    file: 'samples/Canon_PowerShot_S40.jpg', labels: [], preset: 'builtin:natural',
    knownMiss: 'a flower close-up called landscape: nobody in a wide frame at 21 mm, and nothing tells a close-up',
  },
  {
    file: 'samples/fujifilm-finepix40i.jpg', labels: [], preset: 'builtin:natural',
    knownMiss: "a dog's face is taken for a person's by the face model: portrait",
  },
  {
    file: 'samples/portrait_6.jpg', labels: ['landscape'], preset: 'builtin:landscape',
    knownMiss: 'a waterfall shot upright: the landscape rule wants a wide frame',
  },
];

/** The context the pipeline would recognise for a file (models loaded once by the caller). */
export async function contextOfFile(file: string, faces: FaceAnalyzer, text: TextReader): Promise<ContextFinding[]> {
  const { metadata } = await readMetadata(readFileSync(file), { path: file });
  // The analysis runs on a ≤ 1600 px oriented preview, as the preprocess stage makes it.
  const preview = await sharp(file).rotate().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).jpeg().toBuffer({ resolveWithObject: true });
  const img = await loadRgb(preview.data);
  const found = await faces.analyze(img);
  const lines = await text.read(img);
  const stats = await imageStats(file, found);
  return recogniseContext(
    contextInputOf({
      metadata,
      derivatives: { width: preview.info.width, height: preview.info.height, thumbnailPath: '', previewPath: '', dhash: '', format: 'jpeg' },
      results: { detect: { faces: found, objects: [], text: lines } },
      stats,
    }),
  );
}
