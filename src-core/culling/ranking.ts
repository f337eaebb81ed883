/**
 * Best of a group: what a culler looks at, in order — faces in focus, eyes open, overall sharpness,
 * exposure (clipping), resolution, then the quality score. Pure: reads PhotoFeatures only.
 *
 * Sharpness is judged relative to the group (the same scene): a frame whose Laplacian variance is
 * under BLURRED_SHARE of the group's sharpest is "blurred", and a blurred frame is never the pick
 * while a sharp one exists (blurred frames rank after every sharp one, whatever else they have).
 */
import type { PhotoFeatures } from './features.js';

export interface RankedPhoto {
  photoId: string;
  /** 0–100, higher is better; comparable inside one group only. */
  score: number;
  pick: boolean;
  reasons: string[];
}

/** Under this share of the group's sharpest frame, a frame reads as blurred. */
export const BLURRED_SHARE = 0.55;
/** Face focus under this share of the group's best faces: "faces soft". */
const SOFT_FACES_SHARE = 0.6;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

interface Scored {
  f: PhotoFeatures;
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

export function rankGroup(photos: readonly PhotoFeatures[]): RankedPhoto[] {
  if (!photos.length) return [];
  const lap = (f: PhotoFeatures): number => f.laplacianVariance ?? (f.sharpness !== null ? (300 * f.sharpness) / Math.max(1e-6, 1 - f.sharpness) : 0);
  const maxLap = Math.max(...photos.map(lap), 1e-6);
  const maxFace = Math.max(...photos.map((f) => faceFocus(f) ?? 0), 1e-6);
  const maxPixels = Math.max(...photos.map((f) => f.width * f.height), 1);
  const anyFaces = photos.some((f) => f.faces.length > 0);

  const scored: Scored[] = photos.map((f) => {
    const sharpRel = clamp01(lap(f) / maxLap);
    const ff = faceFocus(f);
    const faceRel = ff === null ? null : clamp01(ff / maxFace);
    const known = f.faces.filter((x) => x.eyeState !== 'unknown');
    const closedFaces = f.faces.filter((x) => x.eyeState === 'closed').length;
    const eyesOpenShare = known.length ? known.filter((x) => x.eyeState === 'open').length / known.length : null;
    const exposure = clamp01(1 - 3 * Math.max(0, f.clippedHighlights - 0.01) - 2 * Math.max(0, f.clippedShadows - 0.03));
    const resRel = clamp01((f.width * f.height) / maxPixels);
    const quality = f.quality === null ? 0.5 : clamp01(f.quality / 5);
    // Weights follow the culler's order; a closed eye costs more than a soft background.
    const score =
      (anyFaces ? 30 * (faceRel ?? sharpRel) : 0) +
      (anyFaces ? 25 * (eyesOpenShare ?? 0.5) - 10 * Math.min(1, closedFaces) : 0) +
      (anyFaces ? 20 : 45) * sharpRel +
      10 * exposure +
      (anyFaces ? 10 : 35) * resRel +
      5 * quality;
    return { f, blurred: sharpRel < BLURRED_SHARE, sharpRel, faceRel, eyesOpenShare, closedFaces, exposure, resRel, score };
  });

  const order = [...scored].sort((a, b) => Number(a.blurred) - Number(b.blurred) || b.score - a.score || a.f.id.localeCompare(b.f.id));
  const best = order[0]!;
  const sharpest = Math.max(...scored.map((s) => s.sharpRel));
  const largest = Math.max(...scored.map((s) => s.resRel));
  return order.map((s) => ({
    photoId: s.f.id,
    score: Math.round(s.score * 10) / 10,
    pick: s === best,
    reasons: reasonsFor(s, s === best, sharpest, largest, maxFace),
  }));
}

function reasonsFor(s: Scored, pick: boolean, sharpest: number, largest: number, maxFace: number): string[] {
  const r: string[] = [];
  if (s.blurred) r.push(s.sharpRel < 0.3 ? 'motion blur' : 'softer than the best frame');
  else if (s.sharpRel >= sharpest - 1e-9) r.push('sharpest');
  if (s.faceRel !== null && s.faceRel < SOFT_FACES_SHARE && maxFace > 0.05) r.push('faces out of focus');
  if (s.closedFaces > 0) r.push(s.closedFaces === s.f.faces.length ? 'eyes closed' : `eyes closed on ${s.closedFaces} of ${s.f.faces.length} faces`);
  else if (s.eyesOpenShare === 1) r.push('eyes open');
  if (s.f.clippedHighlights > 0.03) r.push('highlights clipped');
  if (s.f.clippedShadows > 0.08) r.push('shadows clipped');
  if (s.resRel < 0.7 && largest > 0) r.push(s.resRel < 0.3 ? 'much smaller copy' : 'smaller copy');
  else if (s.resRel >= largest - 1e-9) r.push('full resolution');
  if (pick && r.length === 0) r.push('best overall');
  return r;
}
