import { useEffect, useRef, useState } from 'react';
import { PresetSuggestion } from './PresetSuggestion.js';
import { ExportForm } from '../components/ExportForm.js';
import { useApp } from '../state/context.js';
import { useMediaUrl } from '../components/media.js';
import { DetectionOverlays, resultsOf } from '../components/detections.js';
import { PhotoInfo } from '../components/PhotoInfo.js';
import { fileName } from '../format.js';
import { FaceChips } from '../components/FaceChips.js';
import { RotateKeys } from '../components/RotateButtons.js';

/**
 * The detail of the selected photo beside the grid (an overlay on narrow windows): preview with the
 * detections, then PhotoInfo. Enter or "View" opens the full-window viewer; Esc closes; Ctrl+[ and
 * Ctrl+] turn the photo (here and in the viewer, which opens over this panel).
 */
export function PhotoDetailPanel() {
  const detail = useApp((s) => s.detail);
  const selectedId = useApp((s) => s.selectedId);
  const index = useApp((s) => (s.selectedId ? s.indexById.get(s.selectedId) : undefined));
  const openPhoto = useApp((s) => s.openPhoto);
  const openViewer = useApp((s) => s.openViewer);
  const viewerOpen = useApp((s) => s.viewerIndex !== null);
  const media = useMediaUrl();
  const ref = useRef<HTMLElement>(null);
  const [showBoxes, setShowBoxes] = useState(true);
  useEffect(() => {
    ref.current?.focus();
  }, [selectedId]);
  useEffect(() => {
    if (viewerOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      if (e.key === 'Escape') void openPhoto(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openPhoto, viewerOpen]);

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
    const { faces, texts, objects } = resultsOf(d);
    const any = faces.length + texts.length + objects.length > 0;
    body = (
      <>
        <div className="preview">
          {d.derivatives ? (
            <button className="preview-frame" onClick={() => index !== undefined && openViewer(index)} title="Open in the viewer (Enter)" aria-label={`View ${fileName(d.path)}`}>
              <img src={media(d.derivatives.previewPath)} alt={`Preview of ${fileName(d.path)}`} />
              {showBoxes && <DetectionOverlays detail={d} />}
            </button>
          ) : (
            <div className="preview-missing">{d.state === 'failed' ? 'No preview: the file could not be decoded.' : 'The preview appears once preprocessing has run.'}</div>
          )}
        </div>
        {any && (
          <label className="small muted boxes-toggle">
            <input type="checkbox" checked={showBoxes} onChange={(e) => setShowBoxes(e.target.checked)} /> Show boxes
          </label>
        )}
        <FaceChips photoId={d.id} />
        <PhotoInfo detail={d} />
        <PresetSuggestion photoId={d.id} revision={d.revision} />
        <ExportForm photoIds={[d.id]} />
      </>
    );
  }
  return (
    <aside className="detail" aria-label="Photo detail" tabIndex={-1} ref={ref} data-testid="photo-detail">
      <RotateKeys />
      <div className="detail-bar">
        <button disabled={index === undefined} onClick={() => index !== undefined && openViewer(index)}>View</button>
        <button className="ghost close" aria-label="Close detail" title="Close (Esc)" onClick={() => void openPhoto(null)}>×</button>
      </div>
      {body}
    </aside>
  );
}
