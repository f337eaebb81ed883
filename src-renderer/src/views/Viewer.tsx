import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { useApp } from '../state/context.js';
import { useMediaUrl } from '../components/media.js';
import { DetectionOverlays, resultsOf } from '../components/detections.js';
import { PhotoInfo } from '../components/PhotoInfo.js';
import { fileName } from '../format.js';
import { useElementSize } from '../components/use-element-size.js';

type Zoom = 'fit' | 'actual';

const KEYS: [string, string][] = [
  ['← →', 'previous / next'],
  ['Home End', 'first / last'],
  ['Z or Space', 'fit ↔ 100 %'],
  ['F', 'faces'],
  ['D', 'detections'],
  ['I', 'info panel'],
  ['Ctrl+[ Ctrl+]', 'rotate left / right'],
  ['Esc', 'close'],
];


/**
 * The full-window viewer over the current filtered, sorted set: ← → walk it (pages load as
 * needed), fit or 100 % (drag to pan), faces and detections as overlays, and the photo's
 * metadata and analysis in a side panel beside (never over) the photo.
 */
export function Viewer() {
  const index = useApp((s) => s.viewerIndex)!;
  const total = useApp((s) => s.total ?? 0);
  const tile = useApp((s) => s.tiles[index]);
  const detail = useApp((s) => s.detail);
  const selectedId = useApp((s) => s.selectedId);
  const openViewer = useApp((s) => s.openViewer);
  const openPhoto = useApp((s) => s.openPhoto);
  const ensureRange = useApp((s) => s.ensureRange);
  const media = useMediaUrl();
  const stageRef = useRef<HTMLDivElement>(null);
  const stage = useElementSize(stageRef);
  const [zoom, setZoom] = useState<Zoom>('fit');
  const [faces, setFaces] = useState(true);
  const [detections, setDetections] = useState(false);
  const [info, setInfo] = useState(() => window.innerWidth >= 700);
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  const drag = useRef<{ x: number; y: number; left: number; top: number } | null>(null);

  // The photo at this index: its tile may still be loading (a page beyond those fetched).
  useEffect(() => {
    if (!tile) ensureRange(index, index);
    else if (tile.id !== selectedId) void openPhoto(tile.id);
  }, [tile, index, selectedId, ensureRange, openPhoto]);
  useEffect(() => {
    setNatural(null);
    setZoom('fit');
  }, [index]);

  const go = useCallback((next: number) => openViewer(Math.max(0, Math.min(total - 1, next))), [openViewer, total]);
  const close = useCallback(() => openViewer(null), [openViewer]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.altKey || e.ctrlKey || e.metaKey) return;
      const handled = (() => {
        switch (e.key) {
          case 'ArrowRight':
            go(index + 1);
            return true;
          case 'ArrowLeft':
            go(index - 1);
            return true;
          case 'Home':
            go(0);
            return true;
          case 'End':
            go(total - 1);
            return true;
          case 'z':
          case 'Z':
          case ' ':
            setZoom((z) => (z === 'fit' ? 'actual' : 'fit'));
            return true;
          case 'f':
          case 'F':
            setFaces((v) => !v);
            return true;
          case 'd':
          case 'D':
            setDetections((v) => !v);
            return true;
          case 'i':
          case 'I':
            setInfo((v) => !v);
            return true;
          case 'Escape':
            close();
            return true;
          default:
            return false;
        }
      })();
      if (handled) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [go, close, index, total]);

  const d = detail.status === 'ready' && tile && detail.data.id === tile.id ? detail.data : null;
  const aspect = d?.derivatives ? d.derivatives.width / d.derivatives.height : natural ? natural.w / natural.h : 1.5;
  // Fit: the largest size inside the stage; 100 %: the preview's own pixels.
  const fit = stage.width && stage.height ? Math.min(stage.width / aspect, stage.height) : 0;
  const size = zoom === 'fit' || !natural ? { w: fit * aspect, h: fit } : { w: natural.w, h: natural.h };
  const counts = d ? resultsOf(d) : null;

  const onPointerDown = (e: ReactPointerEvent) => {
    if (zoom !== 'actual' || !stageRef.current) return;
    drag.current = { x: e.clientX, y: e.clientY, left: stageRef.current.scrollLeft, top: stageRef.current.scrollTop };
    (e.target as Element).setPointerCapture?.(e.pointerId);
  };
  const onPointerMove = (e: ReactPointerEvent) => {
    const start = drag.current;
    if (!start || !stageRef.current) return;
    stageRef.current.scrollLeft = start.left - (e.clientX - start.x);
    stageRef.current.scrollTop = start.top - (e.clientY - start.y);
  };

  return (
    <div className={`viewer${info ? ' with-info' : ''}`} role="dialog" aria-modal="true" aria-label="Photo viewer" data-testid="viewer" data-index={index}>
      <div className="viewer-bar">
        <button className="ghost" onClick={close} aria-label="Close viewer" title="Close (Esc)">← Back</button>
        <span className="viewer-title" data-testid="viewer-title">{tile ? fileName(tile.path) : 'Loading…'}</span>
        <span className="muted" data-testid="viewer-position">{(index + 1).toLocaleString()} of {total.toLocaleString()}</span>
        <span className="viewer-spacer" />
        <button onClick={() => go(index - 1)} disabled={index <= 0} aria-label="Previous photo" title="Previous (←)">‹</button>
        <button onClick={() => go(index + 1)} disabled={index >= total - 1} aria-label="Next photo" title="Next (→)">›</button>
        <button onClick={() => setZoom(zoom === 'fit' ? 'actual' : 'fit')} aria-pressed={zoom === 'actual'} title="Fit ↔ 100 % (Z)">{zoom === 'fit' ? 'Fit' : '100 %'}</button>
        <button onClick={() => setFaces(!faces)} aria-pressed={faces} title="Faces (F)">Faces{counts ? ` ${counts.faces.length}` : ''}</button>
        <button onClick={() => setDetections(!detections)} aria-pressed={detections} title="Objects and text (D)">Detections{counts ? ` ${counts.objects.length + counts.texts.length}` : ''}</button>
        <button onClick={() => setInfo(!info)} aria-pressed={info} title="Info panel (I)">Info</button>
      </div>
      <div className="viewer-body">
        <div
          className={`viewer-stage zoom-${zoom}`}
          ref={stageRef}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={() => (drag.current = null)}
          onDoubleClick={() => setZoom(zoom === 'fit' ? 'actual' : 'fit')}
        >
          {d?.derivatives ? (
            <div className="viewer-frame" style={{ width: size.w, height: size.h }}>
              <img
                src={media(d.derivatives.previewPath)}
                alt={fileName(d.path)}
                draggable={false}
                onLoad={(e) => setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
              />
              <DetectionOverlays detail={d} faces={faces} objects={detections} />
            </div>
          ) : d ? (
            <div className="preview-missing">{d.state === 'failed' ? 'No preview: the file could not be decoded.' : 'The preview appears once preprocessing has run.'}</div>
          ) : (
            <div className="spinner" aria-hidden="true" />
          )}
        </div>
        {info && (
          <aside className="viewer-info" aria-label="Photo information">
            {d ? <PhotoInfo detail={d} /> : <div className="spinner" aria-hidden="true" />}
            <h4>Keys</h4>
            <dl className="meta keys">
              {KEYS.map(([k, what]) => (
                <div key={k} className="key-row">
                  <dt><kbd>{k}</kbd></dt>
                  <dd>{what}</dd>
                </div>
              ))}
            </dl>
          </aside>
        )}
      </div>
    </div>
  );
}
