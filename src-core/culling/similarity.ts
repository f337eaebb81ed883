/**
 * Is this pair of photos the same picture (duplicate), frames of one series (burst), or neither?
 * Pure: reads only PhotoFeatures. The thresholds come from test/eval/culling-eval.ts (README "Culling").
 *
 *   duplicate  same content hash; or descriptor cosine distance ≤ dupDistance AND dHash Hamming
 *              distance ≤ dupHamming — unless it is a mirror image (the dHash of one is nearer the
 *              other's mirrored dHash) or the two carry different capture times (the next frame,
 *              not a copy).
 *   burst      same camera (make + model), both capture times recorded, different (an edit keeps its
 *              source's time to the sub-second; frames never share one) and at most burstGapMs apart,
 *              descriptor distance ≤ burstDistance, not a mirror. No capture time: never a burst.
 */
import type { PhotoFeatures } from './features.js';

export interface GroupingThresholds {
  dupDistance: number;
  dupHamming: number;
  burstDistance: number;
  burstGapMs: number;
}

/** Chosen on the eval sets (README "Culling"); the burst gap is the library setting's default. */
export const DEFAULT_THRESHOLDS: GroupingThresholds = {
  dupDistance: 0.04,
  dupHamming: 20,
  burstDistance: 0.3,
  burstGapMs: 2000,
};

export type PairKind = 'duplicate' | 'burst' | null;

export function hamming(a: bigint, b: bigint): number {
  let x = a ^ b;
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}

/**
 * The dHash of the mirror image, from the hash alone: each row's 8 bits compare neighbours left to
 * right, so mirroring reverses each row and flips each comparison (equal neighbours aside).
 */
export function mirrorDhash(h: bigint): bigint {
  let out = 0n;
  for (let row = 7; row >= 0; row--) {
    const bits = Number((h >> BigInt(row * 8)) & 0xffn);
    let rev = 0;
    for (let i = 0; i < 8; i++) rev |= ((bits >> i) & 1) << (7 - i);
    out = (out << 8n) | BigInt(~rev & 0xff);
  }
  return out;
}

export function cosineDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 2;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return 1 - dot;
}

/** True when b looks like a's mirror image rather than a's copy. */
export function isMirror(a: PhotoFeatures, b: PhotoFeatures): boolean {
  if (a.dhash === null || b.dhash === null) return false;
  const direct = hamming(a.dhash, b.dhash);
  const mirrored = hamming(a.dhash, mirrorDhash(b.dhash));
  return mirrored < direct;
}

export interface PairEvidence {
  distance: number | null;
  hamming: number | null;
  mirror: boolean;
}

export function pairEvidence(a: PhotoFeatures, b: PhotoFeatures): PairEvidence {
  return {
    distance: a.vector && b.vector ? cosineDistance(a.vector, b.vector) : null,
    hamming: a.dhash !== null && b.dhash !== null ? hamming(a.dhash, b.dhash) : null,
    mirror: isMirror(a, b),
  };
}

export function classifyPair(a: PhotoFeatures, b: PhotoFeatures, t: GroupingThresholds = DEFAULT_THRESHOLDS): PairKind {
  if (a.id === b.id) return null;
  if (a.contentHash && a.contentHash === b.contentHash) return 'duplicate';
  const e = pairEvidence(a, b);
  if (e.distance === null || e.mirror) return null;
  const distinctFrames = a.takenMs !== null && b.takenMs !== null && a.takenMs !== b.takenMs;
  if (!distinctFrames && e.hamming !== null && e.distance <= t.dupDistance && e.hamming <= t.dupHamming) return 'duplicate';
  if (
    a.camera !== null &&
    a.camera === b.camera &&
    a.takenMs !== null &&
    b.takenMs !== null &&
    a.takenMs !== b.takenMs &&
    Math.abs(a.takenMs - b.takenMs) <= t.burstGapMs &&
    e.distance <= t.burstDistance
  ) {
    return 'burst';
  }
  return null;
}
