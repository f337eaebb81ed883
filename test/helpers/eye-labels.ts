/**
 * The hand-labelled faces of test/fixtures/eye-labels.json, run through the real face models, and the
 * confusion of a verdict against the labels (shared by test/ml-signals.test.ts and the signals eval).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { EyeState } from '../../src-worker/ml/eye-state.js';
import type { Face, FaceAnalyzer } from '../../src-worker/ml/faces.js';
import { loadRgb, type RgbImage } from '../../src-worker/ml/image.js';
import { repoRoot } from './photos.js';

export type EyeLabel = 'open' | 'closed' | 'unsure' | 'not-a-face';

export interface LabelledFace {
  /** Relative to the repository root (../shared/… or test/fixtures/…). */
  photo: string;
  box: [number, number, number, number];
  sizePx: number;
  label: EyeLabel;
  note?: string;
  mirror?: boolean;
}

export interface MeasuredFace {
  labelled: LabelledFace;
  /** The detected face matching the labelled box (IoU ≥ 0.5), or null when the detector no longer finds it. */
  found: Face | null;
  /** Size of the preview the face was found in, px. */
  imageSize: [number, number];
}

export const eyeLabelsFile = path.join(repoRoot, 'test', 'fixtures', 'eye-labels.json');

export function loadEyeLabels(): LabelledFace[] {
  return (JSON.parse(readFileSync(eyeLabelsFile, 'utf8')) as { faces: LabelledFace[] }).faces;
}

/** True when every photo the labels name is on disk (../shared may be missing on a fresh machine). */
export function eyeLabelPhotosPresent(): boolean {
  return loadEyeLabels().every((f) => existsSync(path.resolve(repoRoot, f.photo)));
}

/** The photo as the ML stages see it: oriented, long side ≤ 1600 px, JPEG q82 (the preview), optionally mirrored. */
export async function labelledPreview(photo: string, mirror = false): Promise<RgbImage> {
  let pipeline = sharp(path.resolve(repoRoot, photo), { failOn: 'none' }).rotate().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true });
  if (mirror) pipeline = pipeline.flop();
  return loadRgb(await pipeline.jpeg({ quality: 82 }).toBuffer());
}

function iou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!));
  const iy = Math.max(0, Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = ix * iy;
  const union = a[2]! * a[3]! + b[2]! * b[3]! - inter;
  return union > 0 ? inter / union : 0;
}

/** The detected face that best overlaps a labelled box (IoU ≥ 0.5), or null. */
export function matchFace(faces: Face[], box: readonly number[]): Face | null {
  const best = faces.reduce<Face | null>((p, f) => (iou(f.box, box) > (p ? iou(p.box, box) : 0) ? f : p), null);
  return best && iou(best.box, box) >= 0.5 ? best : null;
}

/** Runs the face analyzer once per (photo, mirror) and matches each labelled face to a detection. */
export async function measureEyeLabels(analyzer: FaceAnalyzer, labels: LabelledFace[] = loadEyeLabels()): Promise<MeasuredFace[]> {
  const byPhoto = new Map<string, { faces: Face[]; size: [number, number] }>();
  const out: MeasuredFace[] = [];
  for (const labelled of labels) {
    const key = `${labelled.photo}|${labelled.mirror ? 'm' : ''}`;
    let seen = byPhoto.get(key);
    if (!seen) {
      const img = await labelledPreview(labelled.photo, labelled.mirror);
      seen = { faces: await analyzer.analyze(img), size: [img.width, img.height] };
      byPhoto.set(key, seen);
    }
    const { faces, size } = seen;
    out.push({ labelled, found: matchFace(faces, labelled.box), imageSize: size });
  }
  return out;
}

/** The rule before gating: both eyes' closed probability > 0.5 → closed, else open. */
export function oldEyeVerdict(face: Face): EyeState {
  return face.eyeClosedProb[0] > 0.5 && face.eyeClosedProb[1] > 0.5 ? 'closed' : 'open';
}

export interface EyeConfusion {
  /** counts[label][verdict]; verdict 'missing' when the detector did not find the face. */
  counts: Record<EyeLabel, Record<EyeState | 'missing', number>>;
  /** Faces labelled open that the verdict calls closed (the error that matters most). */
  openCalledClosed: number;
  /** Faces that are not faces, or that a person cannot read, called closed. */
  unreadableCalledClosed: number;
  closedFound: number;
  closedTotal: number;
  /** Share of 'closed' verdicts that are labelled closed (NaN when there are none). */
  closedPrecision: number;
  /** Among open/closed-labelled faces the verdict judged (not unknown): share judged right. */
  judgedAccuracy: number;
  judged: number;
  /** Open-labelled faces judged open / all open-labelled faces. */
  openCoverage: number;
}

export function eyeConfusion(rows: MeasuredFace[], verdict: (f: Face) => EyeState): EyeConfusion {
  const zero = (): Record<EyeState | 'missing', number> => ({ open: 0, closed: 0, unknown: 0, missing: 0 });
  const counts: EyeConfusion['counts'] = { open: zero(), closed: zero(), unsure: zero(), 'not-a-face': zero() };
  for (const r of rows) counts[r.labelled.label][r.found ? verdict(r.found) : 'missing']++;
  const calledClosed = counts.open.closed + counts.closed.closed + counts.unsure.closed + counts['not-a-face'].closed;
  const judged = counts.open.open + counts.open.closed + counts.closed.open + counts.closed.closed;
  const openTotal = Object.values(counts.open).reduce((a, b) => a + b, 0);
  return {
    counts,
    openCalledClosed: counts.open.closed,
    unreadableCalledClosed: counts.unsure.closed + counts['not-a-face'].closed,
    closedFound: counts.closed.closed,
    closedTotal: Object.values(counts.closed).reduce((a, b) => a + b, 0),
    closedPrecision: calledClosed ? counts.closed.closed / calledClosed : Number.NaN,
    judgedAccuracy: judged ? (counts.open.open + counts.closed.closed) / judged : Number.NaN,
    judged,
    openCoverage: openTotal ? counts.open.open / openTotal : Number.NaN,
  };
}
