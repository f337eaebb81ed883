import type { ApiClient } from '../../../src-shared/api/client.js';
import type { HeldPhotoDto, IngestInfo, LaneJobDto, LibraryFolderDto, SuggestionDto, JOB_LIST_STATES } from '../../../src-shared/api/contract.js';
import type { Lane } from '../../../src-shared/lanes.js';
import { MAX_SELECTION } from '../../../src-shared/api/contract.js';
import type { ColourLabel } from '../../../src-shared/presets.js';
import { chunked, loadedIds, rangeBounds, selectOnly, toggleOne, withRange, type SelectHow, type SelectionAnchor } from '../../../src-shared/selection.js';
import type { AppState, Load } from './store.js';

/** How the Library shows its photos: the grid, grouped by time, or on a map. */
export type LibraryMode = 'grid' | 'timeline' | 'map';
export type JobListState = (typeof JOB_LIST_STATES)[number];

export interface BrowseSlice {
  libraryMode: LibraryMode;
  setLibraryMode(mode: LibraryMode): void;
  /** The full-window viewer: the index in the current (filtered, sorted) set, or null. */
  viewerIndex: number | null;
  openViewer(index: number | null): void;
  suggestions: SuggestionDto[];
  suggest(prefix: string): Promise<void>;
  timeline: Load<{ days: { day: string; count: number }[]; undated: number }>;
  loadTimeline(): Promise<void>;
  places: Load<{ points: { id: string; lat: number; lon: number }[]; total: number }>;
  loadPlaces(): Promise<void>;
  folders: Load<LibraryFolderDto[]>;
  exclusions: { path: string; addedAt: string }[];
  loadFolders(): Promise<void>;
  excludeFolder(path: string): Promise<boolean>;
  includeFolder(path: string): Promise<void>;
  rescanFolder(path: string): Promise<void>;
  removeFolder(path: string): Promise<void>;
  ingestHistory: Load<IngestInfo[]>;
  loadIngestHistory(): Promise<void>;
  /** The job list opened from a lane's count. */
  laneJobs: { lane: Lane; state: JobListState; load: Load<{ jobs: LaneJobDto[]; total: number }> } | null;
  openLaneJobs(lane: Lane, state: JobListState): Promise<void>;
  closeLaneJobs(): void;
  holding: HeldPhotoDto[];
  loadHolding(): Promise<void>;
  /** Photos picked in the grid for an action (multi-select), by id; the photo open in the detail is `selectedId`. */
  selection: ReadonlySet<string>;
  /** Where a Shift-click extends from (an index of the current set); reset when the set reloads. */
  selectionAnchor: SelectionAnchor | null;
  /** A click on the tile at `index`: only it, toggle it (Ctrl/Cmd, the checkbox), or the range from the anchor (Shift). */
  selectTile(index: number, how: SelectHow): Promise<void>;
  /** Every photo of the current filter (Ctrl+A), at most MAX_SELECTION. */
  selectAll(): Promise<void>;
  clearSelection(): void;
  /** Rating (−1 reject, 0–5) and/or colour label of the selected photos: stored, written into their sidecars. */
  markSelection(marks: { rating?: number | null; label?: ColourLabel | null }): Promise<boolean>;
  /** Writes the selection's sidecars with a preset (null: each photo's suggested one), as a person's request. */
  applyPresetToSelection(presetId: string | null, presetName: string): Promise<boolean>;
  /** Collapsed sidebar (narrow windows start collapsed). */
  navCollapsed: boolean;
  toggleNav(force?: boolean): void;
}

type Set = (partial: Partial<AppState>) => void;
type Get = () => AppState;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** "Rated ★★", "Rejected", "Label Red", "Label cleared" for a toast. */
function marksText(marks: { rating?: number | null; label?: string | null }): string {
  const parts: string[] = [];
  if (marks.rating === -1) parts.push('Rejected');
  else if (marks.rating === 0 || marks.rating === null) parts.push('Rating cleared');
  else if (marks.rating !== undefined) parts.push(`Rated ${'★'.repeat(marks.rating)}`);
  if (marks.label === null) parts.push('Label cleared');
  else if (marks.label !== undefined) parts.push(`Label ${marks.label}`);
  return parts.join(', ');
}

/** The Library query without paging, as the engine takes it. */
export function queryOf(state: AppState) {
  const { state: photoState, ...rest } = state.filter;
  return { ...rest, state: photoState ?? undefined };
}

export function createBrowseSlice(client: ApiClient, set: Set, get: Get): BrowseSlice {
  let suggestSeq = 0;
  const load = async <K extends 'timeline' | 'places' | 'folders' | 'ingestHistory'>(key: K, fn: () => Promise<unknown>) => {
    if (get()[key].status !== 'ready') set({ [key]: { status: 'loading' } } as Partial<AppState>);
    try {
      set({ [key]: { status: 'ready', data: await fn() } } as Partial<AppState>);
    } catch (error) {
      set({ [key]: { status: 'error', message: message(error) } } as Partial<AppState>);
    }
  };
  return {
    libraryMode: 'grid',
    setLibraryMode: (libraryMode) => set({ libraryMode }),
    viewerIndex: null,
    openViewer: (viewerIndex) => {
      set({ viewerIndex });
      const tile = viewerIndex === null ? undefined : get().tiles[viewerIndex];
      if (tile) void get().openPhoto(tile.id);
      else if (viewerIndex !== null) get().ensureRange(viewerIndex, viewerIndex);
    },
    suggestions: [],
    suggest: async (prefix) => {
      const seq = ++suggestSeq;
      if (prefix.trim().length === 0) return set({ suggestions: [] });
      try {
        const { suggestions } = await client['search.suggest']({ prefix: prefix.trim().slice(0, 100), limit: 8 });
        if (seq === suggestSeq) set({ suggestions });
      } catch {
        if (seq === suggestSeq) set({ suggestions: [] });
      }
    },
    timeline: { status: 'idle' },
    // The bars show the whole span of the other filters; the chosen range is highlighted, not cut out.
    loadTimeline: () => load('timeline', () => client['library.timeline']({ ...queryOf(get()), takenFrom: undefined, takenTo: undefined })),
    places: { status: 'idle' },
    loadPlaces: () => load('places', () => client['library.places']({ ...queryOf(get()), bbox: undefined })),
    folders: { status: 'idle' },
    exclusions: [],
    loadFolders: () =>
      load('folders', async () => {
        const { folders, exclusions } = await client['folders.list']({});
        set({ exclusions });
        return folders;
      }),
    excludeFolder: async (path) => {
      try {
        const { removed } = await client['folders.exclude']({ path });
        get().toast('info', `${path} is excluded from now on${removed ? `; ${removed.toLocaleString()} of its photos left the library (the files stay on disk)` : ''}`);
        await Promise.all([get().loadFolders(), get().loadStatus()]);
        return true;
      } catch (error) {
        get().toast('error', message(error));
        return false;
      }
    },
    includeFolder: async (path) => {
      try {
        await client['folders.include']({ path });
        get().toast('info', `${path} will be analysed at the next scan of its folder`);
      } catch (error) {
        get().toast('error', message(error));
      }
      await get().loadFolders();
    },
    rescanFolder: async (path) => {
      try {
        await client['folders.rescan']({ path });
        get().toast('info', `Scanning ${path} again`);
      } catch (error) {
        get().toast('error', message(error));
      }
      await Promise.all([get().loadFolders(), get().loadIngestHistory()]);
    },
    removeFolder: async (path) => {
      try {
        const { removed } = await client['folders.remove']({ path });
        get().toast('info', `Removed ${path} and its ${removed.toLocaleString()} photo${removed === 1 ? '' : 's'} from the library (the files stay on disk)`);
      } catch (error) {
        get().toast('error', message(error));
      }
      await Promise.all([get().loadFolders(), get().loadStatus()]);
    },
    ingestHistory: { status: 'idle' },
    loadIngestHistory: () => load('ingestHistory', async () => (await client['ingests.list']({ limit: 20 })).ingests),
    laneJobs: null,
    openLaneJobs: async (lane, state) => {
      set({ laneJobs: { lane, state, load: { status: 'loading' } } });
      try {
        const data = await client['lanes.jobs']({ lane, state, limit: 50 });
        if (get().laneJobs?.lane === lane && get().laneJobs?.state === state) set({ laneJobs: { lane, state, load: { status: 'ready', data } } });
      } catch (error) {
        set({ laneJobs: { lane, state, load: { status: 'error', message: message(error) } } });
      }
    },
    closeLaneJobs: () => set({ laneJobs: null }),
    holding: [],
    loadHolding: async () => {
      try {
        set({ holding: (await client['workers.holding']({})).holding });
      } catch {
        // the list just stays as it was; the next poll tries again
      }
    },
    selection: new Set(),
    selectionAnchor: null,
    selectTile: async (index, how) => {
      const { tiles, selection, selectionAnchor, libraryVersion } = get();
      const id = tiles[index]?.id;
      if (!id) return;
      if (how === 'only' || (how === 'range' && !selectionAnchor)) {
        const next = selectOnly(index, id);
        return set({ selection: next.ids, selectionAnchor: next.anchor });
      }
      if (how === 'toggle') {
        const next = toggleOne(selection, index, id);
        return set({ selection: next.ids, selectionAnchor: next.anchor });
      }
      const anchor = selectionAnchor!;
      const [from, to] = rangeBounds(anchor.index, index);
      let ids = loadedIds(tiles, from, Math.min(to, from + MAX_SELECTION - 1));
      if (!ids) {
        // Pages between the two clicks were never scrolled into view: the engine names them.
        try {
          ids = (await client['library.ids']({ ...queryOf(get()), offset: from, limit: Math.min(MAX_SELECTION, to - from + 1) })).ids;
        } catch (error) {
          return get().toast('error', `Could not select the range: ${message(error)}`);
        }
        if (get().libraryVersion !== libraryVersion) return;
      }
      const next = withRange(anchor, ids, MAX_SELECTION);
      set({ selection: next.ids });
      if (to - from + 1 > MAX_SELECTION) get().toast('info', `Selected ${MAX_SELECTION.toLocaleString()} photos, the most one selection holds`);
    },
    selectAll: async () => {
      const version = get().libraryVersion;
      try {
        const { ids, total } = await client['library.ids']({ ...queryOf(get()) });
        if (get().libraryVersion !== version) return;
        set({ selection: new Set(ids), selectionAnchor: null });
        if (total > ids.length) get().toast('info', `Selected the first ${ids.length.toLocaleString()} of ${total.toLocaleString()} photos, the most one selection holds`);
      } catch (error) {
        get().toast('error', `Could not select all: ${message(error)}`);
      }
    },
    clearSelection: () => set({ selection: new Set(), selectionAnchor: null }),
    markSelection: async (marks) => {
      const ids = [...get().selection];
      if (ids.length === 0) return false;
      let updated = 0;
      try {
        for (const chunk of chunked(ids)) updated += (await client['photos.mark']({ photoIds: chunk, ...marks })).updated;
      } catch (error) {
        get().toast('error', `${updated ? `Marked ${updated} of ${ids.length} photos, then: ` : ''}${message(error)}`);
        return false;
      }
      // The tiles show marks: update the loaded ones now (no event carries them).
      const { tiles, indexById } = get();
      const next = tiles.slice();
      for (const id of ids) {
        const index = indexById.get(id);
        const tile = index === undefined ? undefined : next[index];
        if (index !== undefined && tile) next[index] = { ...tile, ...(marks.rating !== undefined ? { rating: marks.rating } : {}), ...(marks.label !== undefined ? { label: marks.label } : {}) };
      }
      set({ tiles: next });
      get().toast('info', `${marksText(marks)}: ${updated.toLocaleString()} photo${updated === 1 ? '' : 's'} (written into their sidecars)`);
      return true;
    },
    applyPresetToSelection: async (presetId, presetName) => {
      const ids = [...get().selection];
      if (ids.length === 0) return false;
      let queued = 0;
      try {
        for (const chunk of chunked(ids)) queued += (await client['presets.apply']({ photoIds: chunk, presetId })).queued;
      } catch (error) {
        get().toast('error', `${queued ? `Queued ${queued} of ${ids.length} sidecars, then: ` : ''}${message(error)}`);
        return false;
      }
      get().toast('info', `Writing ${queued.toLocaleString()} sidecar${queued === 1 ? '' : 's'} with ${presetName}`);
      return true;
    },
    navCollapsed: typeof window !== 'undefined' && window.innerWidth < 900,
    toggleNav: (force) => set({ navCollapsed: force ?? !get().navCollapsed }),
  };
}
