/**
 * Faces of a folder of photos as the detect stage finds them: each photo decoded like the preview the
 * ML job reads (~1600 px longest side, oriented), then the real FaceAnalyzer (UltraFace + landmarks +
 * 512-d embedding). Used by the people eval and the calibration of its thresholds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FaceAnalyzer, type Face } from '../../src-worker/ml/faces.js';
import { loadRgb, resizeRgb, type RgbImage } from '../../src-worker/ml/image.js';

export interface AnalysedPhoto {
  file: string;
  width: number;
  height: number;
  faces: Face[];
  image: RgbImage;
}

const IMAGE = /\.(jpe?g|png|webp)$/i;

export async function analyseFolder(dir: string, analyzer?: FaceAnalyzer): Promise<AnalysedPhoto[]> {
  const faces = analyzer ?? (await FaceAnalyzer.load());
  const out: AnalysedPhoto[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => IMAGE.test(n)).sort()) {
    let image: RgbImage;
    try {
      image = await loadRgb(path.join(dir, name));
    } catch {
      continue; // a broken file (the shared photos include some on purpose) has no faces to count
    }
    if (Math.max(image.width, image.height) > 1600) image = await resizeRgb(image, 1600, 1600, 'inside');
    out.push({ file: name, width: image.width, height: image.height, faces: await faces.analyze(image), image });
  }
  return out;
}
