import { useEffect, useRef } from 'react';
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

/** The detail of one photo: preview, metadata, the stage strip, "analyse again now". Esc closes it. */
export function PhotoDetailPanel() {
  const detail = useApp((s) => s.detail);
  const openPhoto = useApp((s) => s.openPhoto);
  const analyseNow = useApp((s) => s.analyseNow);
  const media = useMediaUrl();
  const ref = useRef<HTMLElement>(null);
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
    body = (
      <>
        <div className="preview">
          {d.derivatives ? (
            <img src={media(d.derivatives.previewPath)} alt={`Preview of ${fileName(d.path)}`} />
          ) : (
            <div className="preview-missing">{d.state === 'failed' ? 'No preview: the file could not be decoded.' : 'The preview appears once preprocessing has run.'}</div>
          )}
        </div>
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
