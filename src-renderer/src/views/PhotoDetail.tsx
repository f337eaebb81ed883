import { useEffect, useRef, useState } from 'react';
import { PresetSuggestion } from './PresetSuggestion.js';
import { useApp } from '../state/context.js';
import { StageStrip } from '../components/StageStrip.js';
import { useMediaUrl } from '../components/media.js';
import { fileName } from '../format.js';

function MetaRow({ label, value }: { label: string; value: unknown }) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return null;
  const text = Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return (
    <>
      <dt>{label}</dt>
      <dd>{text}</dd>
    </>
  );
}

type Box = [number, number, number, number];
interface FaceResult { box: Box; score?: number; eyesClosed?: boolean }
interface TextResult { box: Box; text: string; score?: number }
interface ObjectResult { box: Box; label: string; score?: number }
interface DetectResult { faces?: FaceResult[]; text?: TextResult[]; objects?: ObjectResult[] }
interface TagResult { tags?: string[]; description?: string }
interface QualityResult { score?: number; priority?: string; parts?: Record<string, number | null> }

const isBox = (b: unknown): b is Box => Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number' && Number.isFinite(v));
const list = <T extends { box: unknown }>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]).filter((x) => x && isBox(x.box)) : []);
const pct = (v: number) => `${(Math.min(1, Math.max(0, v)) * 100).toFixed(2)}%`;

/** One detection drawn over the preview; boxes are normalised x, y, w, h of the oriented preview. */
function Overlay({ box, kind, label, marker }: { box: Box; kind: 'face' | 'text' | 'object'; label: string; marker?: string }) {
  const [x, y, w, h] = box;
  return (
    <div className={`det det-${kind}`} style={{ left: pct(x), top: pct(y), width: pct(w), height: pct(h) }} title={label} data-testid={`det-${kind}`}>
      {marker && <span className="det-marker">{marker}</span>}
    </div>
  );
}

function SimilarStrip() {
  const similar = useApp((s) => s.similar);
  const openPhoto = useApp((s) => s.openPhoto);
  const media = useMediaUrl();
  if (similar.status === 'idle') return null;
  if (similar.status === 'loading') return <p className="muted">Looking for similar photos…</p>;
  if (similar.status === 'error') return <p className="muted">Similar photos unavailable: {similar.message}</p>;
  if (similar.data.photos.length === 0) return <p className="muted">No similar photos yet (they appear once photos are analysed).</p>;
  return (
    <>
      <ul className="similar" data-testid="similar">
        {similar.data.photos.map((p) => (
          <li key={p.id}>
            <button className="similar-tile" onClick={() => void openPhoto(p.id)} title={`${fileName(p.path)} · similarity ${p.similarity.toFixed(2)}`} aria-label={`Open ${fileName(p.path)}`}>
              {p.thumbnail ? <img src={media(p.thumbnail)} alt="" loading="lazy" /> : <span aria-hidden="true">…</span>}
              <span className="small muted">{p.similarity.toFixed(2)}</span>
            </button>
          </li>
        ))}
      </ul>
      {similar.data.note && <p className="muted small">{similar.data.note}</p>}
    </>
  );
}

/** The detail of one photo: preview, metadata, the stage strip, "analyse again now". Esc closes it. */
export function PhotoDetailPanel() {
  const detail = useApp((s) => s.detail);
  const openPhoto = useApp((s) => s.openPhoto);
  const analyseNow = useApp((s) => s.analyseNow);
  const media = useMediaUrl();
  const ref = useRef<HTMLElement>(null);
  const [showBoxes, setShowBoxes] = useState(true);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') void openPhoto(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openPhoto]);

  let body;
  if (detail.status === 'loading' || detail.status === 'idle') {
    body = (
      <div className="center-state" aria-busy="true">
        <div className="spinner" aria-hidden="true" />
      </div>
    );
  } else if (detail.status === 'error') {
    body = (
      <div className="center-state" role="alert">
        <p>{detail.message}</p>
      </div>
    );
  } else {
    const d = detail.data;
    const m = (d.metadata ?? {}) as Record<string, unknown>;
    const gps = m.gps as { lat: number; lon: number } | null | undefined;
    const detect = (d.results.detect ?? {}) as DetectResult;
    const faces = list<FaceResult>(detect.faces);
    const texts = list<TextResult>(detect.text);
    const objects = list<ObjectResult>(detect.objects);
    const tag = (d.results.tag ?? {}) as TagResult;
    const quality = (d.results.quality ?? null) as QualityResult | null;
    body = (
      <>
        <div className="preview">
          {d.derivatives ? (
            <div className="preview-frame">
              <img src={media(d.derivatives.previewPath)} alt={`Preview of ${fileName(d.path)}`} />
              {showBoxes && (
                <div className="overlays" aria-hidden="true">
                  {faces.map((f, i) => (
                    <Overlay key={`f${i}`} kind="face" box={f.box} label={`face${f.eyesClosed ? ', eyes closed' : ''}${f.score ? ` (${f.score.toFixed(2)})` : ''}`} marker={f.eyesClosed ? 'eyes closed' : undefined} />
                  ))}
                  {texts.map((t, i) => <Overlay key={`t${i}`} kind="text" box={t.box} label={`text: ${t.text}`} />)}
                  {objects.map((o, i) => <Overlay key={`o${i}`} kind="object" box={o.box} label={o.label} marker={o.label} />)}
                </div>
              )}
            </div>
          ) : (
            <div className="preview-missing">{d.state === 'failed' ? 'No preview: the file could not be decoded.' : 'The preview appears once preprocessing has run.'}</div>
          )}
        </div>
        {(faces.length > 0 || texts.length > 0 || objects.length > 0) && (
          <label className="small muted boxes-toggle">
            <input type="checkbox" checked={showBoxes} onChange={(e) => setShowBoxes(e.target.checked)} /> Show detections ({faces.length} face{faces.length === 1 ? '' : 's'}
            {faces.some((f) => f.eyesClosed) ? ', eyes closed' : ''}, {texts.length} text, {objects.length} object{objects.length === 1 ? '' : 's'})
          </label>
        )}
        <h3 className="detail-title" title={d.path}>{fileName(d.path)}</h3>
        <p className="muted path">{d.path}</p>
        <div className="detail-actions">
          <span className={`pill state-${d.state}`} data-testid="detail-state">{d.state}</span>
          <button className="primary" onClick={() => void analyseNow(d.id)}>Analyse again now</button>
        </div>
        {d.state === 'failed' && d.error && (
          <p className="error-box" role="note">
            <strong>{d.failedStage ?? 'failed'}:</strong> {d.error}
          </p>
        )}
        {d.note && <p className="muted">{d.note}</p>}
        <h4>Stages</h4>
        <StageStrip detail={d} />
        {(tag.description || (tag.tags?.length ?? 0) > 0) && (
          <>
            <h4>Tags</h4>
            {tag.description && <p data-testid="detail-description">{tag.description}</p>}
            <p className="tags" data-testid="detail-tags">{(tag.tags ?? []).map((t) => <span key={t} className="tag">{t}</span>)}</p>
          </>
        )}
        {texts.length > 0 && (
          <>
            <h4>Text found</h4>
            <ul className="text-found" data-testid="detail-text">
              {texts.map((t, i) => <li key={i}>{t.text} {t.score !== undefined && <span className="muted small">{Math.round(t.score * 100)}%</span>}</li>)}
            </ul>
          </>
        )}
        {quality && typeof quality.score === 'number' && (
          <>
            <h4>Quality <span className="muted">{quality.score.toFixed(2)} / 5{quality.priority ? ` · ${quality.priority}` : ''}</span></h4>
            <dl className="meta" data-testid="detail-quality">
              {Object.entries(quality.parts ?? {}).map(([k, v]) => <MetaRow key={k} label={k} value={typeof v === 'number' ? Math.round(v * 1000) / 1000 : v} />)}
            </dl>
          </>
        )}
        <PresetSuggestion photoId={d.id} revision={d.revision} />
        <h4>Similar photos</h4>
        <SimilarStrip />
        <h4>Metadata</h4>
        {d.metadata ? (
          <dl className="meta">
            <MetaRow label="Taken" value={m.takenAt} />
            <MetaRow label="Camera" value={[m.make, m.model].filter(Boolean).join(' ')} />
            <MetaRow label="Lens" value={m.lens} />
            <MetaRow label="Size" value={d.derivatives ? `${d.derivatives.width} × ${d.derivatives.height} (${d.derivatives.format})` : m.width ? `${m.width} × ${m.height}` : null} />
            <MetaRow label="Exposure" value={m.exposureTime ? `1/${Math.round(1 / (m.exposureTime as number))} s` : null} />
            <MetaRow label="Aperture" value={m.fNumber ? `f/${m.fNumber}` : null} />
            <MetaRow label="ISO" value={m.iso} />
            <MetaRow label="Focal length" value={m.focalLength ? `${m.focalLength} mm` : null} />
            <MetaRow label="GPS" value={gps ? `${gps.lat.toFixed(5)}, ${gps.lon.toFixed(5)}` : null} />
            <MetaRow label="Keywords" value={m.keywords} />
            <MetaRow label="File size" value={`${(d.size / 1024).toFixed(0)} KB`} />
          </dl>
        ) : (
          <p className="muted">No metadata yet.</p>
        )}
      </>
    );
  }
  return (
    <aside className="detail" aria-label="Photo detail" tabIndex={-1} ref={ref} data-testid="photo-detail">
      <button className="ghost close" aria-label="Close detail" onClick={() => void openPhoto(null)}>×</button>
      {body}
    </aside>
  );
}
