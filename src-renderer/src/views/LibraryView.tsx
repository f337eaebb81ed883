import { useCallback, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PHOTO_STATES, STAGES, type PhotoState } from '../../../src-shared/stages.js';
import type { PhotoSummary } from '../../../src-shared/api/contract.js';
import { useApp } from '../state/context.js';
import { isFiltered } from '../state/store.js';
import { VirtualGrid } from '../components/VirtualGrid.js';
import { AddFolder } from '../components/AddFolder.js';
import { PhotoDetailPanel } from './PhotoDetail.js';
import { useMediaUrl } from '../components/media.js';
import { fileName } from '../format.js';

/** The tags worth a tile's space: not the derived ones (year:, month:, camera:, faces:, format). */
function topTags(tags: string[]): string[] {
  return tags.filter((t) => !t.includes(':') && !t.endsWith('-format')).slice(0, 2);
}

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
        {photo.state === 'done' && (
          <span className="tile-facts muted" title={photo.tags.join(', ')}>
            {photo.quality !== null && <span className="fact fixed" data-testid="tile-quality">★ {photo.quality.toFixed(1)}</span>}
            {!!photo.faces && <span className="fact fixed" title={`${photo.faces} face(s)`}>☺ {photo.faces}</span>}
            {topTags(photo.tags).map((t) => <span key={t} className="fact">{t}</span>)}
          </span>
        )}
      </div>
    </button>
  );
}

function StateChips() {
  const state = useApp((s) => s.filter.state);
  const setFilter = useApp((s) => s.setFilter);
  const counts = useApp((s) => s.photoCounts);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const options: (PhotoState | null)[] = [null, ...PHOTO_STATES];
  return (
    <div className="filters" role="radiogroup" aria-label="Filter by state">
      {options.map((option) => (
        <button
          key={option ?? 'all'}
          role="radio"
          aria-checked={state === option}
          className={`chip${state === option ? ' active' : ''}`}
          onClick={() => setFilter({ state: option })}
        >
          {option ?? 'all'} <span className="muted">{(option ? counts[option] ?? 0 : total).toLocaleString()}</span>
        </button>
      ))}
    </div>
  );
}

/** A text field that applies its value after a short pause in typing (or on Enter). */
function FilterText({ label, value, onApply, placeholder, type = 'text', width }: { label: string; value: string | undefined; onApply: (v: string | undefined) => void; placeholder?: string; type?: string; width?: number }) {
  const [draft, setDraft] = useState(value ?? '');
  const applied = useRef(value ?? '');
  useEffect(() => {
    setDraft(value ?? '');
    applied.current = value ?? '';
  }, [value]);
  useEffect(() => {
    if (draft === applied.current) return;
    const timer = setTimeout(() => {
      applied.current = draft;
      onApply(draft.trim() === '' ? undefined : draft.trim());
    }, 350);
    return () => clearTimeout(timer);
  }, [draft, onApply]);
  return (
    <label className="filter-field">
      <span>{label}</span>
      <input type={type} value={draft} placeholder={placeholder} style={width ? { width } : undefined} onChange={(e) => setDraft(e.target.value)} />
    </label>
  );
}

/** Tag, faces, quality, camera and date filters: the store applies them (the window never filters). */
function FilterBar() {
  const filter = useApp(useShallow((s) => s.filter));
  const setFilter = useApp((s) => s.setFilter);
  const clearFilters = useApp((s) => s.clearFilters);
  const num = (v: string | undefined) => (v === undefined || Number.isNaN(Number(v)) ? undefined : Math.min(5, Math.max(0, Number(v))));
  return (
    <div className="filter-bar" role="search" aria-label="Filter photos">
      <FilterText label="Tag" value={filter.tag} placeholder="people, text:menu…" onApply={useCallback((tag) => setFilter({ tag }), [setFilter])} width={130} />
      <label className="filter-field">
        <span>Faces</span>
        <select
          value={filter.hasFaces === undefined ? '' : filter.hasFaces ? 'yes' : 'no'}
          onChange={(e) => setFilter({ hasFaces: e.target.value === '' ? undefined : e.target.value === 'yes' })}
        >
          <option value="">any</option>
          <option value="yes">with faces</option>
          <option value="no">no faces</option>
        </select>
      </label>
      <FilterText label="Quality ≥" type="number" value={filter.qualityMin?.toString()} onApply={useCallback((v) => setFilter({ qualityMin: num(v) }), [setFilter])} width={60} />
      <FilterText label="≤" type="number" value={filter.qualityMax?.toString()} onApply={useCallback((v) => setFilter({ qualityMax: num(v) }), [setFilter])} width={60} />
      <FilterText label="Camera" value={filter.camera} placeholder="Canon, iPhone…" onApply={useCallback((camera) => setFilter({ camera }), [setFilter])} width={120} />
      <FilterText label="From" type="date" value={filter.takenFrom} onApply={useCallback((takenFrom) => setFilter({ takenFrom }), [setFilter])} />
      <FilterText label="To" type="date" value={filter.takenTo} onApply={useCallback((takenTo) => setFilter({ takenTo }), [setFilter])} />
      {isFiltered({ ...filter, state: null }) && (
        <button className="ghost" onClick={clearFilters}>Clear filters</button>
      )}
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
    body = isFiltered(filter) ? (
      <div className="center-state">
        <h3>No {filter.state ?? ''} photos match these filters</h3>
        <p className="muted">Choose other filters to see the rest of the library.</p>
      </div>
    ) : (
      <div className="center-state">
        <h3>Your library is empty</h3>
        <p className="muted">Drop a folder on this window, or type its path:</p>
        <AddFolder />
      </div>
    );
  } else {
    body = <VirtualGrid count={total} minTileWidth={150} captionHeight={60} renderTile={renderTile} onRange={onRange} label="Photos" />;
  }
  return (
    <div className={`view library${selectedId ? ' with-detail' : ''}`} data-testid="view-library">
      <div className="view-head">
        <h2>Library</h2>
        <StateChips />
      </div>
      <FilterBar />
      <div className="library-body">
        <div className="grid-wrap">{body}</div>
        {selectedId && <PhotoDetailPanel />}
      </div>
    </div>
  );
}
