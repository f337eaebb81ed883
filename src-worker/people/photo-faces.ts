/**
 * A photo's detected faces, read from its detect result, put through the quality gate and stored with
 * their embeddings (PeopleRepo.replacePhotoFaces). Sharpness inside each box comes from the quality
 * stage's `parts.faceSharpness` when it has one, else it is measured here on the preview.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { NewFace } from '../../src-core/store/repos/people-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { fromBase64F32 } from '../ml/image.js';
import { DEFAULT_FACE_MODEL } from '../../src-shared/vector-models.js';
import { boxSharpness, gateFace } from './face-gate.js';

export interface StoredFace {
  box: [number, number, number, number];
  score: number;
  landmarks: number[];
  embedding: string;
}

export interface PhotoFacesInput {
  photoId: string;
  revision: number;
  faces: StoredFace[];
  /** The face model that made the embeddings (the detect result's `faceModel`): faces of different models are never compared. */
  faceModel: string;
  /** Per face, in the same order, when the quality stage measured it. */
  faceSharpness: number[] | null;
  previewPath: string | null;
  width: number;
  height: number;
}

/** Reads what the analysis stored for the photo; null when the photo or its detect result is gone. */
export async function readPhotoFaces(db: SqlDb, photoId: string, cacheDir: string): Promise<PhotoFacesInput | null> {
  const photo = await db.get<{ revision: number | string; preview_path: string | null; width: number | null; height: number | null }>(
    `SELECT p.revision, d.preview_path, d.width, d.height FROM photos p LEFT JOIN photo_derivatives d ON d.photo_id = p.id WHERE p.id = ?`,
    [photoId],
  );
  if (!photo) return null;
  const results = await db.all<{ stage: string; json: string }>(`SELECT stage, json FROM photo_results WHERE photo_id = ? AND stage IN ('detect', 'quality')`, [photoId]);
  const detect = results.find((r) => r.stage === 'detect');
  if (!detect) return null;
  const parsed = JSON.parse(detect.json) as { faces?: StoredFace[]; faceModel?: string };
  const faces = (parsed.faces ?? []).filter(
    (f) => Array.isArray(f.box) && typeof f.embedding === 'string' && f.embedding.length > 0,
  );
  const quality = results.find((r) => r.stage === 'quality');
  const sharpness = quality ? (JSON.parse(quality.json) as { parts?: { faceSharpness?: unknown } }).parts?.faceSharpness : undefined;
  return {
    photoId,
    revision: Number(photo.revision),
    faces,
    faceModel: parsed.faceModel ?? DEFAULT_FACE_MODEL,
    faceSharpness: Array.isArray(sharpness) && sharpness.length === faces.length ? (sharpness as number[]) : null,
    previewPath: photo.preview_path ? path.join(cacheDir, photo.preview_path) : null,
    width: Number(photo.width ?? 0),
    height: Number(photo.height ?? 0),
  };
}

/** Gates each face and gives it the shape the repository stores. */
export async function gatedFaces(input: PhotoFacesInput): Promise<NewFace[]> {
  if (input.faces.length === 0) return [];
  let gray: { data: Uint8Array; width: number; height: number } | null = null;
  let width = input.width;
  let height = input.height;
  if (input.previewPath) {
    try {
      const { data, info } = await sharp(input.previewPath).greyscale().raw().toBuffer({ resolveWithObject: true });
      gray = { data, width: info.width, height: info.height };
      width = info.width;
      height = info.height;
    } catch {
      gray = null; // the preview went missing: gate without sharpness rather than fail the job
    }
  }
  const model = input.faceModel;
  return input.faces.map((f, index) => {
    const sharpness = input.faceSharpness?.[index] ?? (gray ? boxSharpness(gray, f.box) : null);
    const verdict = gateFace({ score: f.score, box: f.box, landmarks: f.landmarks ?? [], imageWidth: width, imageHeight: height, sharpness });
    return {
      index,
      box: f.box,
      score: f.score,
      sizePx: verdict.sizePx,
      sharpness,
      gate: verdict.ok ? 'ok' : verdict.reasons.join(','),
      model,
      embedding: fromBase64F32(f.embedding),
    };
  });
}
