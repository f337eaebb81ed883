/**
 * Best of a group: what a culler looks at, in order — faces in focus, eyes open, overall sharpness,
 * exposure (clipping), resolution, then the quality score. Pure: reads PhotoFeatures only.
 *
 * Sharpness is judged relative to the group (the same scene), and only between photos the quality
 * stage measured at about the same scale: it works at 512 px (long side) and never enlarges, so a
 * 400 px copy is measured at its own size and would read "sharper" than its original. A frame whose Laplacian variance is under BLURRED_SHARE of the sharpest
 * comparable frame is "blurred", and a blurred frame is never the pick while a sharp one exists
 * (blurred frames rank after every sharp one, whatever else they have).
 *
 * In a duplicate group (the same picture) resolution weighs most: the pick is the largest, cleanest copy.
 * Reasons name what sets a photo apart in its group ("motion blur", "eyes closed", "smaller copy");
 * what every member shares (all clipped, all full size) is not repeated under each frame.
 */
import type { PhotoFeatures } from './features.js';

export interface RankedPhoto {
  photoId: string;
  /** 0–100, higher is better; comparable inside one group only. */
  score: number;
  pick: boolean;
  reasons: string[];
}

/** Under this share of the group's sharpest comparable frame, a frame reads as blurred. */
export const BLURRED_SHARE = 0.55;
/** Photos whose long side is at least this share of the group's largest are compared for sharpness. */
const COMPARABLE_SIZE = 0.9;
/** Between copies of one picture, sharpness within this share of the sharpest counts as equal (recompression and brightening move it). */
const SAME_SHARPNESS = 0.75;
/** Face focus under this share of the group's best faces: "faces out of focus". */
const SOFT_FACES_SHARE = 0.6;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

interface Scored {
  f: PhotoFeatures;
  bppRel: number;
  comparable: boolean;
  blurred: boolean;
  sharpRel: number;
  faceRel: number | null;
  eyesOpenShare: number | null;
  closedFaces: number;
  exposure: number;
  resRel: number;
  score: number;
}

function faceFocus(f: PhotoFeatures): number | null {
  const values = f.faces.map((x) => x.sharpness).filter((x): x is number => x !== null);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

const lap = (f: PhotoFeatures): number => f.laplacianVariance ?? (f.sharpness !== null ? (300 * f.sharpness) / Math.max(1e-6, 1 - f.sharpness) : 0);
const longSide = (f: PhotoFeatures): number => Math.max(f.width, f.height);
/** Bytes per pixel: the less a copy was compressed, the more it has. */
const bytesPerPixel = (f: PhotoFeatures): number => (f.width * f.height > 0 ? f.fileBytes / (f.width * f.height) : 0);

export function rankGroup(photos: readonly PhotoFeatures[], kind: 'duplicate' | 'burst' = 'burst'): RankedPhoto[] {
  if (!photos.length) return [];
  const maxSide = Math.max(...photos.map(longSide), 1);
  const isComparable = (f: PhotoFeatures): boolean => longSide(f) >= COMPARABLE_SIZE * maxSide;
  const maxBpp = Math.max(...photos.map(bytesPerPixel), 1e-9);
  const oldest = Math.min(...photos.map((f) => f.mtimeMs));
  const maxLap = Math.max(...photos.filter(isComparable).map(lap), 1e-6);
  const maxFace = Math.max(...photos.filter(isComparable).map((f) => faceFocus(f) ?? 0), 1e-6);
  const maxPixels = Math.max(...photos.map((f) => f.width * f.height), 1);
  const anyFaces = photos.some((f) => f.faces.length > 0);
  const dup = kind === 'duplicate';

  const scored: Scored[] = photos.map((f) => {
    const comparable = isComparable(f);
    // A smaller copy's sharpness is not comparable: it counts as its original's (resolution decides).
    const measured = comparable ? clamp01(lap(f) / maxLap) : 1;
    const sharpRel = dup && measured >= SAME_SHARPNESS ? 1 : measured;
    const ff = faceFocus(f);
    const faceRel = ff === null || !comparable ? null : clamp01(ff / maxFace);
    const known = f.faces.filter((x) => x.eyeState !== 'unknown');
    const closedFaces = f.faces.filter((x) => x.eyeState === 'closed').length;
    const eyesOpenShare = known.length ? known.filter((x) => x.eyeState === 'open').length / known.length : null;
    const exposure = clamp01(1 - 3 * Math.max(0, f.clippedHighlights - 0.01) - 2 * Math.max(0, f.clippedShadows - 0.03));
    const resRel = clamp01((f.width * f.height) / maxPixels);
    const quality = f.quality === null ? 0.5 : clamp01(f.quality / 5);
    // Weights follow the culler's order; a closed eye costs more than a soft background. Between
    // copies of one picture, size comes first.
    const w = dup
      ? { face: anyFaces ? 10 : 0, eyes: anyFaces ? 10 : 0, sharp: 20, exposure: 10, res: anyFaces ? 30 : 50, quality: 0, bpp: 10 }
      : { face: anyFaces ? 30 : 0, eyes: anyFaces ? 25 : 0, sharp: anyFaces ? 20 : 45, exposure: 10, res: anyFaces ? 10 : 35, quality: 5, bpp: 0 };
    const bppRel = clamp01(bytesPerPixel(f) / maxBpp);
    const score =
      w.face * (faceRel ?? sharpRel) +
      w.eyes * (eyesOpenShare ?? 0.5) -
      (anyFaces ? 10 * Math.min(1, closedFaces) : 0) +
      w.sharp * sharpRel +
      w.exposure * exposure +
      w.res * resRel +
      w.quality * quality +
      w.bpp * bppRel +
      // Between otherwise equal copies the oldest file is most likely the original.
      (dup && f.mtimeMs === oldest ? 1 : 0);
    return { f, bppRel, comparable, blurred: comparable && sharpRel < BLURRED_SHARE, sharpRel, faceRel, eyesOpenShare, closedFaces, exposure, resRel, score };
  });

  const order = [...scored].sort((a, b) => Number(a.blurred) - Number(b.blurred) || b.score - a.score || a.f.id.localeCompare(b.f.id));
  const best = order[0]!;
  const group = {
    sharpest: Math.max(...scored.filter((s) => s.comparable).map((s) => s.sharpRel)),
    anyBlurred: scored.some((s) => s.blurred),
    sizesDiffer: scored.some((s) => s.resRel < 0.95),
    sharpDiffers: scored.some((s) => s.comparable && s.sharpRel < 0.999),
    eyesDiffer: new Set(scored.map((s) => `${s.closedFaces}/${s.f.faces.length}`)).size > 1,
    leastHighlights: Math.min(...scored.map((s) => s.f.clippedHighlights)),
    leastShadows: Math.min(...scored.map((s) => s.f.clippedShadows)),
    dup,
  };
  return order.map((s) => ({
    photoId: s.f.id,
    score: Math.round(s.score * 10) / 10,
    pick: s === best,
    reasons: reasonsFor(s, s === best, group, maxFace),
  }));
}

function reasonsFor(
  s: Scored,
  pick: boolean,
  g: { sharpest: number; anyBlurred: boolean; sizesDiffer: boolean; sharpDiffers: boolean; eyesDiffer: boolean; leastHighlights: number; leastShadows: number; dup: boolean },
  maxFace: number,
): string[] {
  const r: string[] = [];
  if (s.blurred) r.push(s.sharpRel < 0.3 ? 'motion blur' : 'softer than the best frame');
  else if (s.comparable && s.sharpRel >= g.sharpest - 1e-9 && g.sharpDiffers) r.push('sharpest');
  if (s.faceRel !== null && s.faceRel < SOFT_FACES_SHARE && maxFace > 0.05) r.push('faces out of focus');
  if (s.closedFaces > 0) {
    if (g.eyesDiffer || pick) r.push(s.closedFaces === s.f.faces.length ? 'eyes closed' : `eyes closed on ${s.closedFaces} of ${s.f.faces.length} faces`);
  } else if (s.eyesOpenShare === 1) r.push('eyes open');
  // Clipping: said where this photo clips clearly more than the group's cleanest.
  if (s.f.clippedHighlights > 0.03 && s.f.clippedHighlights > g.leastHighlights + 0.02) r.push('highlights clipped');
  if (s.f.clippedShadows > 0.08 && s.f.clippedShadows > g.leastShadows + 0.03) r.push('shadows clipped');
  if (g.dup && s.bppRel < 0.6) r.push('more compressed copy');
  if (g.sizesDiffer) {
    if (s.resRel < 0.7) r.push(s.resRel < 0.3 ? 'much smaller copy' : 'smaller copy');
    else if (s.resRel < 0.95) r.push(g.dup ? 'cropped or slightly smaller' : 'slightly smaller');
    else if (s.resRel >= 0.95) r.push('full resolution');
  }
  if (pick && r.length === 0) r.push('best overall');
  return r;
}
