import type { ErrorCode } from '../../src-shared/errors.js';
import type { PhotoDetail, PhotoMetadata } from '../../src-shared/photo.js';
import type { StageState } from '../../src-shared/stages.js';

/** The record of one photo as `shoebox inspect --json` prints it (issue 3). */
export interface InspectView {
  path: string;
  state: string;
  revision: number;
  error: { stage: string | null; code: ErrorCode | null; message: string | null } | null;
  stages: Record<string, { state: StageState; ms: number | null; error: string | null; note: string | null }>;
  metadata: PhotoMetadata | null;
  faces: Array<{ box: number[]; score: number; eyesClosed: boolean }>;
  objects: Array<{ label: string; score: number; box: number[] }>;
  /** Everything OCR read, lines joined in reading order (empty string when none). */
  text: string;
  textLines: Array<{ text: string; score: number; box: number[] }>;
  tags: string[];
  description: string | null;
  quality: { score: number; priority: string; parts: Record<string, unknown> } | null;
  hashes: { dhash: string | null; contentHash: string | null };
  embedding: { model: string; dims: number } | null;
  preview: { width: number; height: number; format: string } | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function inspectView(detail: PhotoDetail): InspectView {
  const results = detail.results ?? {};
  const detect = isObj(results['detect']) ? results['detect'] : {};
  const tag = isObj(results['tag']) ? results['tag'] : {};
  const embed = isObj(results['embed']) ? results['embed'] : null;
  const quality = isObj(results['quality']) ? results['quality'] : null;

  const stages: InspectView['stages'] = {};
  for (const s of detail.stages) {
    stages[s.stage] = { state: s.state, ms: s.ms, error: s.error ? `${s.errorCode ?? 'internal'}: ${s.error}` : null, note: s.note };
  }
  const textLines = arr(detect['text'])
    .filter(isObj)
    .map((l) => ({ text: String(l['text'] ?? ''), score: Number(l['score'] ?? 0), box: arr(l['box']).map(Number) }));
  return {
    path: detail.path,
    state: detail.state,
    revision: detail.revision,
    error: detail.errorCode || detail.error ? { stage: detail.failedStage, code: detail.errorCode, message: detail.error } : null,
    stages,
    metadata: detail.metadata,
    faces: arr(detect['faces'])
      .filter(isObj)
      .map((f) => ({ box: arr(f['box']).map(Number), score: Number(f['score'] ?? 0), eyesClosed: Boolean(f['eyesClosed']) })),
    objects: arr(detect['objects'])
      .filter(isObj)
      .map((o) => ({ label: String(o['label'] ?? ''), score: Number(o['score'] ?? 0), box: arr(o['box']).map(Number) })),
    text: textLines.map((l) => l.text).join('\n'),
    textLines,
    tags: arr(tag['tags']).map(String),
    description: typeof tag['description'] === 'string' ? tag['description'] : null,
    quality: quality
      ? { score: Number(quality['score']), priority: String(quality['priority'] ?? ''), parts: isObj(quality['parts']) ? quality['parts'] : {} }
      : null,
    hashes: { dhash: detail.derivatives?.dhash ?? null, contentHash: detail.contentHash },
    embedding: embed ? { model: String(embed['model']), dims: Number(embed['dims']) } : null,
    preview: detail.derivatives ? { width: detail.derivatives.width, height: detail.derivatives.height, format: detail.derivatives.format } : null,
  };
}
