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
import { SearchBox } from '../components/SearchBox.js';
import { TimelineStrip } from '../components/TimelineStrip.js';
import { PhotoMap } from '../components/PhotoMap.js';
import { LIBRARY_SORTS, type LibrarySort } from '../../../src-shared/api/contract.js';
import { takenAtText } from '../../../src-shared/photo-words.js';
import type { LibraryMode } from '../state/browse-slice.js';
import { fileName } from '../format.js';
import { usePeople } from '../state/people.js';
import { SelectionBar } from '../components/SelectionBar.js';
import type { ColourLabel } from '../../../src-shared/presets.js';

/** The tags worth a tile's space: not the derived ones (year:, month:, camera:, faces:, format). */
function topTags(tags: string[]): string[] {
  return tags.filter((t) => !t.includes(':') && !t.endsWith('-format') && t !== 'geotagged').slice(0, 3);
}

/** The second caption line: when, else which camera; the state only while it matters. */
function tileSubtitle(photo: PhotoSummary): string {
  if (photo.state === 'failed') return photo.errorCode ?? 'failed';
  if (photo.state === 'queued' || photo.state === 'processing') return `${photo.state} ${photo.stagesDone}/${STAGES.length}`;
  if (photo.state === 'cancelled') return 'set aside';
  return takenAtText(photo.takenAt)?.replace(/, \d\d:\d\d$/, '') ?? photo.camera ?? 'no date';
}

const LABEL_COLOURS: Record<string, string> = { Red: '#e5484d', Yellow: '#f5c518', Green: '#30a46c', Blue: '#3e63dd', Purple: '#8e4ec6' };

/** The person's marks over the thumbnail: ★★★, ✕ for a reject, the colour label as a dot. */
function TileMarks({ rating, label }: { rating: number | null; label: string | null }) {
  if (!rating && !label) return null;
  return (
    <span className="tile-marks" data-testid="tile-marks" data-rating={rating ?? undefined} data-label={label ?? undefined}>
      {rating === -1 ? <span title="Rejected">✕</span> : rating ? <span title={`Rated ${rating}`}>{'★'.repeat(rating)}</span> : null}
      {label && <span className="label-dot" title={`${label} label`} style={{ background: LABEL_COLOURS[label] ?? 'var(--muted)' }} />}
    </span>
  );
}

function Tile({ photo, index }: { photo: PhotoSummary | undefined; index: number }) {
  const openPhoto = useApp((s) => s.openPhoto);
  const openViewer = useApp((s) => s.openViewer);
  const selectTile = useApp((s) => s.selectTile);
  const selected = useApp((s) => s.selectedId === photo?.id);
  const inSelection = useApp((s) => (photo ? s.selection.has(photo.id) : false));
  const media = useMediaUrl();
  if (!photo) {
    return <div className="tile tile-loading" aria-hidden="true" data-index={index} />;
  }
  const inFlight = photo.state === 'queued' || photo.state === 'processing';
  const pct = Math.round((100 * photo.stagesDone) / STAGES.length);
  const name = fileName(photo.path);
  return (
    <>
      <button
        className={`tile tile-${photo.state}${selected ? ' selected' : ''}${inSelection ? ' in-selection' : ''}`}
        data-index={index}
        data-photo-id={photo.id}
        data-state={photo.state}
        data-in-selection={inSelection || undefined}
        title={photo.path}
        aria-label={`${name}, ${photo.state}${inSelection ? ', selected' : ''}`}
        onClick={(e) => {
          // Shift: the range from the last click; Ctrl/Cmd: in or out; a plain click: this one, in the detail.
          if (e.shiftKey) return void selectTile(index, 'range');
          if (e.ctrlKey || e.metaKey) return void selectTile(index, 'toggle');
          void selectTile(index, 'only');
          void openPhoto(photo.id);
        }}
        onDoubleClick={(e) => {
          if (!e.shiftKey && !e.ctrlKey && !e.metaKey) openViewer(index);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && selected) {
            e.preventDefault();
            openViewer(index);
          } else if (e.key === ' ') {
            // Space toggles the focused photo in the selection (Enter opens it).
            e.preventDefault();
            void selectTile(index, e.shiftKey ? 'range' : 'toggle');
          }
        }}
      >
        <div className="thumb">
          {photo.thumbnail ? (
            <img src={media(photo.thumbnail)} alt="" loading="lazy" decoding="async" draggable={false} />
          ) : (
            <span className="thumb-placeholder" aria-hidden="true">{photo.state === 'failed' ? '⚠' : '…'}</span>
          )}
          <TileMarks rating={photo.rating} label={photo.label} />
          {inFlight && (
            <div className="tile-progress" aria-hidden="true">
              <div style={{ width: `${Math.max(4, pct)}%` }} />
            </div>
          )}
        </div>
        <div className="caption">
          <span className="name">{name}</span>
          <span className={`state state-${photo.state}`}>{tileSubtitle(photo)}</span>
          {photo.state === 'done' && (
            <span className="tile-facts muted" title={photo.tags.join(', ')}>
              {photo.quality !== null && <span className="fact fixed" data-testid="tile-quality">★ {photo.quality.toFixed(1)}</span>}
              {!!photo.faces && <span className="fact fixed" title={`${photo.faces} face(s)`}>☺ {photo.faces}</span>}
              {topTags(photo.tags).map((t) => <span key={t} className="fact tag-fact">{t}</span>)}
            </span>
          )}
        </div>
      </button>
      {/* A sibling of the tile, not inside it (no control within a button); the keyboard uses Space on the tile. */}
      <input
        type="checkbox"
        className="tile-check"
        tabIndex={-1}
        checked={inSelection}
        aria-label={`Select ${name}`}
        onChange={() => void selectTile(index, 'toggle')}
        onClick={(e) => {
          if (e.shiftKey) {
            e.preventDefault();
            void selectTile(index, 'range');
          }
        }}
      />
    </>
  );
}

const RATING_KEYS = new Set(['0', '1', '2', '3', '4', '5']);
/** Lightroom's keys for the colour labels. */
const LABEL_KEYS: Record<string, ColourLabel> = { '6': 'Red', '7': 'Yellow', '8': 'Green', '9': 'Blue' };

/**
 * Selection keys while the Library shows (the focus in the grid, the detail or nowhere; not in a field,
 * a dialog or the viewer): Ctrl/Cmd+A selects every photo of the filter, Esc clears, 0–5 rate, 6–9 label,
 * X rejects the selection (or the focused photo when nothing is selected).
 */
function useSelectionKeys(): void {
  const viewerOpen = useApp((s) => s.viewerIndex !== null);
  const selectAll = useApp((s) => s.selectAll);
  const clearSelection = useApp((s) => s.clearSelection);
  const markSelection = useApp((s) => s.markSelection);
  const selectTile = useApp((s) => s.selectTile);
  const empty = useApp((s) => s.selection.size === 0);
  useEffect(() => {
    if (viewerOpen) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      const target = e.target instanceof HTMLElement ? e.target : document.body;
      if (target !== document.body && !target.closest('[data-testid=view-library]')) return;
      if (target.closest('input, select, textarea, dialog, [contenteditable=true]')) return;
      const key = e.key.toLowerCase();
      if ((e.ctrlKey || e.metaKey) && key === 'a' && !e.altKey) {
        e.preventDefault();
        return void selectAll();
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (key === 'escape') return clearSelection();
      const marks = RATING_KEYS.has(key) ? { rating: Number(key) } : LABEL_KEYS[key] ? { label: LABEL_KEYS[key] } : key === 'x' ? { rating: -1 } : null;
      if (!marks) return;
      e.preventDefault();
      void (async () => {
        if (empty) {
          const index = Number(target.closest<HTMLElement>('[data-index]')?.dataset.index ?? NaN);
          if (Number.isNaN(index)) return;
          await selectTile(index, 'only');
        }
        await markSelection(marks);
      })();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [viewerOpen, selectAll, clearSelection, markSelection, selectTile, empty]);
}

/** How many photos the whole query matches, when anything narrows the library. */
/** The people the library is filtered by (from the People view's "Show in Library"), with a way out. */
function PersonFilterChip() {
  const personIds = useApp((s) => s.filter.personIds);
  const setFilter = useApp((s) => s.setFilter);
  const people = usePeople((s) => s.people);
  if (!personIds?.length) return null;
  const names = personIds.map((id) => people.find((p) => p.id === id)?.name ?? 'unnamed person');
  return (
    <button className="chip active" data-testid="person-filter" title="Show every photo again" onClick={() => setFilter({ personIds: undefined })}>
      {names.join(' + ')} ×
    </button>
  );
}

function MatchCount() {
  const total = useApp((s) => s.total);
  const filtered = useApp((s) => isFiltered(s.filter));
  if (!filtered || total === null) return null;
  return <span className="match-count" data-testid="match-count" aria-live="polite">{total.toLocaleString()} match{total === 1 ? '' : 'es'}</span>;
}

const SORT_LABELS: Record<LibrarySort, string> = { taken: 'Date taken', added: 'Date added', quality: 'Quality', name: 'Folder & name' };

function SortPicker() {
  const sort = useApp((s) => s.filter.sort ?? 'name');
  const reverse = useApp((s) => s.filter.reverse ?? false);
  const setFilter = useApp((s) => s.setFilter);
  return (
    <label className="filter-field sort-field">
      <span>Sort</span>
      <span className="sort-row">
        <select value={sort} onChange={(e) => setFilter({ sort: e.target.value as LibrarySort })} aria-label="Sort by">
          {LIBRARY_SORTS.map((s) => <option key={s} value={s}>{SORT_LABELS[s]}</option>)}
        </select>
        <button
          className="ghost"
          onClick={() => setFilter({ reverse: !reverse || undefined })}
          aria-label="Reverse the order"
          title={sort === 'name' ? (reverse ? 'Z → A' : 'A → Z') : reverse ? 'oldest / lowest first' : 'newest / best first'}
        >
          {reverse ? '↑' : '↓'}
        </button>
      </span>
    </label>
  );
}

const MODES: { id: LibraryMode; label: string }[] = [
  { id: 'grid', label: 'Grid' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'map', label: 'Map' },
];

function ModeSwitch() {
  const mode = useApp((s) => s.libraryMode);
  const setMode = useApp((s) => s.setLibraryMode);
  const setFilter = useApp((s) => s.setFilter);
  const sort = useApp((s) => s.filter.sort);
  return (
    <div className="segmented" role="radiogroup" aria-label="Show as">
      {MODES.map((m) => (
        <button
          key={m.id}
          role="radio"
          aria-checked={mode === m.id}
          className={mode === m.id ? 'active' : ''}
          onClick={() => {
            setMode(m.id);
            // A timeline reads in time order.
            if (m.id === 'timeline' && sort !== 'taken') setFilter({ sort: 'taken' });
          }}
        >
          {m.label}
        </button>
      ))}
    </div>
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
  // Narrow windows fold the filter fields behind a button (the sort stays).
  const [open, setOpen] = useState(false);
  const active = [filter.tag, filter.hasFaces, filter.qualityMin, filter.qualityMax, filter.camera, filter.takenFrom, filter.takenTo].filter((v) => v !== undefined).length;
  return (
    <div className={`filter-bar${open ? '' : ' folded'}`} role="search" aria-label="Filter photos">
      <button className="filters-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        Filters{active ? ` (${active})` : ''} {open ? '▴' : '▾'}
      </button>
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
      <SortPicker />
      {filter.folder && (
        <span className="active-filter">in {filter.folder} <button className="ghost" aria-label="Any folder" onClick={() => setFilter({ folder: undefined })}>×</button></span>
      )}
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
  const mode = useApp((s) => s.libraryMode);
  useSelectionKeys();
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
        <h3>No {filter.state ?? ''} photos match {filter.q ? `“${filter.q}” and ` : ''}these filters</h3>
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
        <SearchBox />
        <ModeSwitch />
      </div>
      <div className="chips-row">
        <StateChips />
        <PersonFilterChip />
        <MatchCount />
      </div>
      <FilterBar />
      {mode === 'timeline' && <TimelineStrip />}
      {mode === 'map' && <PhotoMap />}
      <div className="library-body">
        <div className="grid-wrap">
          {!!total && <SelectionBar />}
          {body}
        </div>
        {selectedId && <PhotoDetailPanel />}
      </div>
    </div>
  );
}
