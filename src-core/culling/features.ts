/**
 * What culling reads of a photo, decoded once from the stored analysis results (CullPhotoRow).
 * Copes with results written by older versions: faces without `eyeState` (read as
 * `eyesClosed ? 'closed' : 'unknown'`), quality without per-face `faceSharpness` (the photo's
 * `facesSharpness` for every face, else null: the ranking then measures it from the preview).
 */
import type { CullPhotoRow } from '../store/repos/groups-repo.js';

export type EyeState = 'open' | 'closed' | 'unknown';

export interface FaceFeature {
  box: [number, number, number, number];
  eyeState: EyeState;
  /** 0–1 sharpness inside the box; null when the analysis did not measure it. */
  sharpness: number | null;
}

export interface PhotoFeatures {
  id: string;
  path: string;
  contentHash: string | null;
  /** File bytes and modification time (ms), for telling copies apart. */
  fileBytes: number;
  mtimeMs: number;
  /** 64-bit difference hash as a bigint, null when preprocess has not run. */
  dhash: bigint | null;
  width: number;
  height: number;
  /** Capture time in ms since the epoch of its own clock (offsets ignored), null when not recorded. */
  takenMs: number | null;
  /** "make\u0000model", null unless both are recorded. */
  camera: string | null;
  /** Unit-length global descriptor, null until embed ran. */
  vector: Float32Array | null;
  faces: FaceFeature[];
  /** 0–1 overall sharpness and its raw Laplacian variance; null before quality ran. */
  sharpness: number | null;
  laplacianVariance: number | null;
  clippedHighlights: number;
  clippedShadows: number;
  quality: number | null;
  previewPath: string | null;
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Local wall-clock time of an ISO string, ignoring its offset: frames of one camera share one clock. */
export function takenAtMs(takenAt: string | null): number | null {
  if (!takenAt) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?/.exec(takenAt);
  if (!m) return null;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + (m[7] ? Math.round(Number(m[7]) * 1000) : 0);
  return Number.isFinite(ms) ? ms : null;
}

function addSubSeconds(ms: number | null, subMs: number | null): number | null {
  return ms === null ? null : ms + (subMs !== null && subMs >= 0 && subMs < 1000 ? subMs : 0);
}

export function decodeVector(embed: unknown): Float32Array | null {
  const r = obj(embed);
  if (typeof r.vector !== 'string' || typeof r.dims !== 'number' || r.dims < 1) return null;
  const bytes = Buffer.from(r.vector, 'base64');
  if (bytes.length !== r.dims * 4) return null;
  const v = new Float32Array(r.dims);
  let n = 0;
  for (let i = 0; i < r.dims; i++) {
    v[i] = bytes.readFloatLE(i * 4);
    n += v[i]! * v[i]!;
  }
  n = Math.sqrt(n);
  if (!Number.isFinite(n) || n === 0) return null;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

export function toFeatures(row: CullPhotoRow): PhotoFeatures {
  const detect = obj(row.detect);
  const quality = obj(row.quality);
  const parts = obj(quality.parts);
  const perFace = Array.isArray(parts.faceSharpness) ? (parts.faceSharpness as unknown[]) : null;
  const facesAll = numOrNull(parts.facesSharpness);
  const rawFaces = Array.isArray(detect.faces) ? (detect.faces as unknown[]) : [];
  const faces: FaceFeature[] = [];
  rawFaces.forEach((f, i) => {
    const face = obj(f);
    const box = face.box;
    if (!Array.isArray(box) || box.length !== 4 || !box.every((x) => typeof x === 'number')) return;
    const eyeState: EyeState =
      face.eyeState === 'open' || face.eyeState === 'closed' || face.eyeState === 'unknown' ? face.eyeState : face.eyesClosed === true ? 'closed' : 'unknown';
    faces.push({ box: box as FaceFeature['box'], eyeState, sharpness: numOrNull(perFace?.[i]) ?? facesAll });
  });
  let dhash: bigint | null = null;
  if (row.dhash && /^[0-9a-f]{1,16}$/i.test(row.dhash)) dhash = BigInt(`0x${row.dhash}`);
  return {
    id: row.id,
    path: row.path,
    contentHash: row.contentHash,
    fileBytes: row.size,
    mtimeMs: row.mtimeMs,
    dhash,
    width: row.width ?? 0,
    height: row.height ?? 0,
    takenMs: addSubSeconds(takenAtMs(row.takenAt), row.subMs),
    camera: row.make && row.model ? `${row.make.trim()}\u0000${row.model.trim()}` : null,
    vector: decodeVector(row.embed),
    faces,
    sharpness: numOrNull(parts.sharpness),
    // The group job's own measure first: the quality stage's is noise-corrected, which can zero it.
    laplacianVariance: row.frameLap ?? numOrNull(parts.laplacianVariance),
    clippedHighlights: numOrNull(parts.clippedHighlights) ?? 0,
    clippedShadows: numOrNull(parts.clippedShadows) ?? 0,
    quality: numOrNull(quality.score),
    previewPath: row.previewPath,
  };
}
