import type { ReactNode } from 'react';
import type { PhotoDetailDto } from '../../../src-shared/api/contract.js';
import { cameraName, exposureTimeText, focalLengthText, priorityLabel, qualityWords, takenAtText } from '../../../src-shared/photo-words.js';
import { useApp } from '../state/context.js';
import { RotateButtons } from './RotateButtons.js';
import { StageStrip } from './StageStrip.js';
import { useMediaUrl } from './media.js';
import { eyesClosed, resultsOf } from './detections.js';
import { fileName } from '../format.js';

function Row({ label, children }: { label: string; children: ReactNode }) {
  if (children === null || children === undefined || children === '' || children === false) return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** A tag anywhere: a click shows the photos with that tag in the Library. */
export function TagLink({ tag }: { tag: string }) {
  const setFilter = useApp((s) => s.setFilter);
  const setView = useApp((s) => s.setView);
  const openViewer = useApp((s) => s.openViewer);
  const openPhoto = useApp((s) => s.openPhoto);
  return (
    <button
      type="button"
      className="tag tag-link"
      title={`Show photos tagged “${tag}”`}
      onClick={() => {
        openViewer(null);
        void openPhoto(null);
        setView('library');
        setFilter({ tag });
      }}
    >
      {tag}
    </button>
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
              <span className="similar-name">{fileName(p.path)}</span>
              <span className="small muted">{Math.round(p.similarity * 100)} % alike</span>
            </button>
          </li>
        ))}
      </ul>
      {similar.data.note && <p className="muted small">{similar.data.note}</p>}
    </>
  );
}

/** Opening the original / its folder exists only where Electron can do it. */
function ShellActions({ photoId }: { photoId: string }) {
  const bridge = typeof window !== 'undefined' ? window.shoebox : undefined;
  if (!bridge?.photoAction) return null;
  return (
    <>
      <button onClick={() => void bridge.photoAction!('open', photoId)}>Open original</button>
      <button onClick={() => void bridge.photoAction!('reveal', photoId)}>Show in folder</button>
    </>
  );
}

/** Everything known about one photo, for the detail panel and the viewer's side panel. */
export function PhotoInfo({ detail: d }: { detail: PhotoDetailDto }) {
  const analyseNow = useApp((s) => s.analyseNow);
  const m = (d.metadata ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const gps = m.gps as { lat: number; lon: number } | null | undefined;
  const { faces, texts, objects, tag, quality } = resultsOf(d);
  const words = quality ? qualityWords(quality.parts) : null;
  const closed = faces.filter(eyesClosed).length;
  return (
    <div className="photo-info">
      <h3 className="detail-title" title={d.path}>{fileName(d.path)}</h3>
      <p className="muted path">{d.path}</p>
      <div className="detail-actions">
        <span className={`pill state-${d.state}`} data-testid="detail-state">{d.state}</span>
        <ShellActions photoId={d.id} />
        <button onClick={() => void analyseNow(d.id)}>Analyse again now</button>
        <RotateButtons photoId={d.id} />
      </div>
      {d.state === 'failed' && d.error && (
        <p className="error-box" role="note">
          <strong>{d.failedStage ?? 'failed'}:</strong> {d.error}
        </p>
      )}
      {d.note && d.state !== 'done' && <p className="muted">{d.note}</p>}
      {tag.description && <p className="description" data-testid="detail-description">{tag.description}</p>}
      {(tag.tags?.length ?? 0) > 0 && <p className="tags" data-testid="detail-tags">{(tag.tags ?? []).map((t) => <TagLink key={t} tag={t} />)}</p>}
      {quality && typeof quality.score === 'number' && (
        <>
          <h4>Quality</h4>
          <p className="quality-line" data-testid="detail-quality">
            <strong>{words?.summary || 'scored'}</strong> <span className="muted">· score {quality.score.toFixed(1)} of 5</span>
          </p>
          {priorityLabel(quality.priority) && <p className="muted small">{priorityLabel(quality.priority)} (orders the follow-up work: grouping, people, suggestions)</p>}
        </>
      )}
      {(faces.length > 0 || objects.length > 0) && (
        <>
          <h4>Found</h4>
          <p>
            {faces.length > 0 && <span>{faces.length} face{faces.length === 1 ? '' : 's'}{closed > 0 ? ` (${closed} with eyes closed)` : ''}. </span>}
            {objects.length > 0 && <span>{[...new Set(objects.map((o) => o.label))].join(', ')}.</span>}
          </p>
        </>
      )}
      {texts.length > 0 && (
        <>
          <h4>Text found</h4>
          <ul className="text-found" data-testid="detail-text">
            {texts.map((t, i) => <li key={i}>{t.text}</li>)}
          </ul>
        </>
      )}
      <h4>Photo</h4>
      {d.metadata ? (
        <dl className="meta">
          <Row label="Taken">
            {str(m.takenAt) ? (
              <>
                {takenAtText(str(m.takenAt))}
                {m.takenAtUncertain === true && <span className="pill pill-paused" title={`from ${str(m.takenAtSource) ?? 'the file'}`} data-testid="date-uncertain"> date uncertain</span>}
              </>
            ) : null}
          </Row>
          <Row label="Date from">{str(m.takenAtSource)}</Row>
          <Row label="Title">{str(m.title)}</Row>
          <Row label="Caption">{str(m.description)}</Row>
          <Row label="Label">{[str(m.label), m.pick === 'pick' ? 'picked' : m.pick === 'reject' ? 'rejected' : null].filter(Boolean).join(' · ') || null}</Row>
          <Row label="Camera">{cameraName(str(m.make), str(m.model))}</Row>
          <Row label="Lens">{str(m.lens)}</Row>
          <Row label="Exposure">{[exposureTimeText(num(m.exposureTime)), num(m.fNumber) ? `f/${num(m.fNumber)}` : null, num(m.iso) ? `ISO ${num(m.iso)}` : null, focalLengthText(num(m.focalLength))].filter(Boolean).join(' · ')}</Row>
          <Row label="Size">{d.derivatives ? `${d.derivatives.width} × ${d.derivatives.height} px, ${d.derivatives.format.toUpperCase()}` : null}</Row>
          <Row label="Place">{gps ? `${gps.lat.toFixed(4)}°, ${gps.lon.toFixed(4)}°` : null}</Row>
          <Row label="Keywords">{Array.isArray(m.keywords) && m.keywords.length ? (m.keywords as string[]).join(', ') : null}</Row>
          <Row label="Keyword paths">{Array.isArray(m.hierarchicalKeywords) && m.hierarchicalKeywords.length ? (m.hierarchicalKeywords as string[]).map((k) => k.replaceAll('|', ' › ')).join(', ') : null}</Row>
          <Row label="Named regions">{Array.isArray(m.regions) && m.regions.length ? (m.regions as { name?: string | null }[]).map((r) => r.name).filter(Boolean).join(', ') || null : null}</Row>
          <Row label="Sidecar">{m.sidecar && typeof m.sidecar === 'object' ? str((m.sidecar as { path?: unknown }).path) : null}</Row>
          <Row label="File">{d.size >= 1024 * 1024 ? `${(d.size / 1024 / 1024).toFixed(1)} MB` : `${Math.round(d.size / 1024)} KB`}</Row>
        </dl>
      ) : (
        <p className="muted">No metadata yet.</p>
      )}
      <h4>Similar photos</h4>
      <SimilarStrip />
      <details className="stages-details">
        <summary>Analysis stages</summary>
        <StageStrip detail={d} />
      </details>
    </div>
  );
}
