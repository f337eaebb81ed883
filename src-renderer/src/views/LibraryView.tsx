import { useCallback, useEffect, useRef } from 'react';
import { PHOTO_STATES, STAGES, type PhotoState } from '../../../src-shared/stages.js';
import type { PhotoSummary } from '../../../src-shared/api/contract.js';
import { useApp } from '../state/context.js';
import { VirtualGrid } from '../components/VirtualGrid.js';
import { AddFolder } from '../components/AddFolder.js';
import { PhotoDetailPanel } from './PhotoDetail.js';
import { useMediaUrl } from '../components/media.js';
import { fileName } from '../format.js';

function Tile({ photo, index }: { photo: PhotoSummary | undefined; index: number }) {
  const openPhoto = useApp((s) => s.openPhoto);
  const selected = useApp((s) => s.selectedId === photo?.id);
  const media = useMediaUrl();
  if (!photo) {
    return <div className="tile tile-loading" aria-hidden="true" data-index={index} />;
  }
  const inFlight = photo.state === 'queued' || photo.state === 'processing';
  const pct = Math.round((100 * photo.stagesDone) / STAGES.length);
  return (
    <button
      className={`tile tile-${photo.state}${selected ? ' selected' : ''}`}
      data-index={index}
      data-photo-id={photo.id}
      data-state={photo.state}
      title={photo.path}
      aria-label={`${fileName(photo.path)}, ${photo.state}`}
      onClick={() => void openPhoto(photo.id)}
    >
      <div className="thumb">
        {photo.thumbnail ? (
          <img src={media(photo.thumbnail)} alt="" loading="lazy" decoding="async" draggable={false} />
        ) : (
          <span className="thumb-placeholder" aria-hidden="true">{photo.state === 'failed' ? '⚠' : '…'}</span>
        )}
        {inFlight && (
          <div className="tile-progress" aria-hidden="true">
            <div style={{ width: `${Math.max(4, pct)}%` }} />
          </div>
        )}
      </div>
      <div className="caption">
        <span className="name">{fileName(photo.path)}</span>
        <span className={`state state-${photo.state}`}>
          {inFlight ? `${photo.state} ${photo.stagesDone}/${STAGES.length}` : photo.state === 'failed' ? photo.errorCode ?? 'failed' : photo.camera ?? photo.takenAt?.slice(0, 10) ?? photo.state}
        </span>
      </div>
    </button>
  );
}

function Filters() {
  const filter = useApp((s) => s.filter);
  const setFilter = useApp((s) => s.setFilter);
  const counts = useApp((s) => s.photoCounts);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const options: (PhotoState | null)[] = [null, ...PHOTO_STATES];
  return (
    <div className="filters" role="radiogroup" aria-label="Filter by state">
      {options.map((state) => (
        <button
          key={state ?? 'all'}
          role="radio"
          aria-checked={filter.state === state}
          className={`chip${filter.state === state ? ' active' : ''}`}
          onClick={() => setFilter({ state })}
        >
          {state ?? 'all'} <span className="muted">{(state ? counts[state] ?? 0 : total).toLocaleString()}</span>
        </button>
      ))}
    </div>
  );
}

export function LibraryView() {
  const tiles = useApp((s) => s.tiles);
  const total = useApp((s) => s.total);
  const error = useApp((s) => s.libraryError);
  const reload = useApp((s) => s.reloadLibrary);
  const ensureRange = useApp((s) => s.ensureRange);
  const selectedId = useApp((s) => s.selectedId);
  const filter = useApp((s) => s.filter);
  const loaded = useRef(false);
  useEffect(() => {
    if (!loaded.current) {
      loaded.current = true;
      reload();
    }
  }, [reload]);
  const renderTile = useCallback((index: number) => <Tile photo={tiles[index]} index={index} />, [tiles]);
  const onRange = useCallback((from: number, to: number) => ensureRange(from, to), [ensureRange]);

  let body;
  if (error && tiles.length === 0) {
    body = (
      <div className="center-state" role="alert">
        <h3>Could not load the library</h3>
        <p className="muted">{error}</p>
        <button className="primary" onClick={reload}>Try again</button>
      </div>
    );
  } else if (total === null) {
    body = (
      <div className="center-state" aria-busy="true">
        <div className="spinner" aria-hidden="true" />
        <p className="muted">Loading photos…</p>
      </div>
    );
  } else if (total === 0) {
    body = filter.state ? (
      <div className="center-state">
        <h3>No {filter.state} photos</h3>
        <p className="muted">Choose another filter to see the rest of the library.</p>
      </div>
    ) : (
      <div className="center-state">
        <h3>Your library is empty</h3>
        <p className="muted">Drop a folder on this window, or type its path:</p>
        <AddFolder />
      </div>
    );
  } else {
    body = <VirtualGrid count={total} minTileWidth={150} captionHeight={44} renderTile={renderTile} onRange={onRange} label="Photos" />;
  }
  return (
    <div className={`view library${selectedId ? ' with-detail' : ''}`} data-testid="view-library">
      <div className="view-head">
        <h2>Library</h2>
        <Filters />
      </div>
      <div className="library-body">
        <div className="grid-wrap">{body}</div>
        {selectedId && <PhotoDetailPanel />}
      </div>
    </div>
  );
}
