import type { PhotoDetailDto } from '../../../src-shared/api/contract.js';

export type Box = [number, number, number, number];
export interface FaceResult { box: Box; score?: number; eyesClosed?: boolean; eyeState?: 'open' | 'closed' | 'unknown' }
export interface TextResult { box: Box; text: string; score?: number }
export interface ObjectResult { box: Box; label: string; score?: number }
export interface TagResult { tags?: string[]; description?: string }
export interface QualityResult { score?: number; priority?: string; parts?: Record<string, number | null> }

const isBox = (b: unknown): b is Box => Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number' && Number.isFinite(v));
const list = <T extends { box: unknown }>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]).filter((x) => x && isBox(x.box)) : []);
const pct = (v: number) => `${(Math.min(1, Math.max(0, v)) * 100).toFixed(2)}%`;

/** Older results have only `eyesClosed`; newer ones say 'unknown' where the eyes could not be judged. */
export const eyesClosed = (f: FaceResult) => (f.eyeState ? f.eyeState === 'closed' : f.eyesClosed === true);

/** The stage results of a photo, read defensively (older results may lack fields). */
export function resultsOf(d: PhotoDetailDto) {
  const detect = (d.results.detect ?? {}) as { faces?: unknown; text?: unknown; objects?: unknown };
  return {
    faces: list<FaceResult>(detect.faces),
    texts: list<TextResult>(detect.text),
    objects: list<ObjectResult>(detect.objects),
    tag: (d.results.tag ?? {}) as TagResult,
    quality: (d.results.quality ?? null) as QualityResult | null,
  };
}

/**
 * One detection over the image; boxes are normalised x, y, w, h of the oriented preview. The label
 * sits above the box, or inside it when the box touches the top edge, and right-aligned near the
 * right edge, so it is never cut by the frame.
 */
function Overlay({ box, kind, label, marker }: { box: Box; kind: 'face' | 'text' | 'object'; label: string; marker?: string }) {
  const [x, y, w, h] = box;
  const placement = `${y < 0.06 ? ' inside' : ''}${x + w > 0.8 ? ' right' : ''}`;
  return (
    <div className={`det det-${kind}`} style={{ left: pct(x), top: pct(y), width: pct(w), height: pct(h) }} title={label} data-testid={`det-${kind}`}>
      {marker && <span className={`det-marker${placement}`}>{marker}</span>}
    </div>
  );
}

export function DetectionOverlays({ detail, faces: showFaces = true, objects: showObjects = true }: { detail: PhotoDetailDto; faces?: boolean; objects?: boolean }) {
  const { faces, texts, objects } = resultsOf(detail);
  return (
    <div className="overlays" aria-hidden="true">
      {showFaces &&
        faces.map((f, i) => (
          <Overlay key={`f${i}`} kind="face" box={f.box} label={`face${eyesClosed(f) ? ', eyes closed' : ''}`} marker={eyesClosed(f) ? 'eyes closed' : undefined} />
        ))}
      {showObjects && texts.map((t, i) => <Overlay key={`t${i}`} kind="text" box={t.box} label={`text: ${t.text}`} />)}
      {showObjects && objects.map((o, i) => <Overlay key={`o${i}`} kind="object" box={o.box} label={o.label} marker={o.label} />)}
    </div>
  );
}
