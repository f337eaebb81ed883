import { create } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type {
  AllLaneCounts,
  EventPayload,
  FailedGroup,
  IngestInfo,
  LaneScope,
  LibraryQueryDto,
  PhotoDetailDto,
  PhotoProgressUpdate,
  PhotoSummary,
  Res,
  SkippedPathDto,
  SettingsDto,
  SettingsValues,
  WorkerStatusDto,
} from '../../../src-shared/api/contract.js';
import type { HostView } from '../../../src-shared/hosts.js';
import type { Lane } from '../../../src-shared/lanes.js';
import type { PhotoState } from '../../../src-shared/stages.js';
import { STAGES } from '../../../src-shared/stages.js';
import { createBrowseSlice, type BrowseSlice } from './browse-slice.js';
import { ingestNotice } from '../../../src-shared/ingest-notice.js';

import { createCullingSlice, type CullingSlice } from './culling-slice.js';

export type View = 'queues' | 'library' | 'folders' | 'people' | 'culling' | 'presets' | 'labels' | 'failed' | 'settings';
export type Load<T> = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; data: T } | { status: 'error'; message: string };

export interface ThroughputSample {
  at: number;
  cpu: number;
  ml: number;
}
/** Ten minutes of one-second samples. */
const MAX_SAMPLES = 600;
export const PAGE_SIZE = 200;

// ── slices ───────────────────────────────────────────────────────────────
interface ConnectionSlice {
  connection: 'connecting' | 'open' | 'closed';
  transport: 'ipc' | 'http';
  setConnection(state: 'connecting' | 'open' | 'closed'): void;
}

interface EngineSlice {
  dataDir: string | null;
  lanes: AllLaneCounts | null;
  pauses: EventPayload<'lanes.pauses'>['pauses'];
  workers: WorkerStatusDto[];
  /** Every machine serving the queues (status.get); more than one when `shoebox worker` runs elsewhere. */
  hosts: HostView[];
  photoCounts: Record<string, number>;
  ingest: IngestInfo | null;
  scanning: boolean;
  samples: ThroughputSample[];
  loadError: string | null;
  loadStatus(): Promise<void>;
  applyLaneCounts(payload: EventPayload<'lanes.counts'>): void;
  applyTotals(payload: EventPayload<'ingest.totals'>): void;
  pause(scope: LaneScope): Promise<void>;
  resume(scope: LaneScope): Promise<void>;
  purge(lane: Lane): Promise<void>;
  addFolders(paths: string[]): Promise<boolean>;
}

/** The Library's query (filters, search, folder, map box, order); the engine applies all of it. */
export type LibraryFilter = Omit<LibraryQueryDto, 'state'> & { state: PhotoState | null };
export type SimilarPhotos = Res<'photos.similar'>;

/** Whether anything narrows the set (the order does not). */
export function isFiltered(filter: LibraryFilter): boolean {
  return Object.entries(filter).some(([k, v]) => k !== 'sort' && k !== 'reverse' && v !== undefined && v !== null && v !== '');
}

interface LibrarySlice {
  filter: LibraryFilter;
  total: number | null;
  /** Sparse by index: pages are fetched as the grid scrolls. */
  tiles: (PhotoSummary | undefined)[];
  indexById: Map<string, number>;
  pagesLoading: Set<number>;
  libraryError: string | null;
  libraryVersion: number;
  /** Merges into the current filter (undefined clears a field) and reloads the grid. */
  setFilter(patch: Partial<LibraryFilter>): void;
  clearFilters(): void;
  similar: Load<SimilarPhotos>;
  reloadLibrary(): void;
  ensureRange(from: number, to: number): void;
  applyProgress(updates: PhotoProgressUpdate[]): void;
  selectedId: string | null;
  detail: Load<PhotoDetailDto>;
  openPhoto(id: string | null): Promise<void>;
  analyseNow(id: string): Promise<void>;
}

interface FailedSlice {
  failed: Load<{ groups: FailedGroup[]; total: number }>;
  loadFailed(): Promise<void>;
  retry(target: string): Promise<void>;
  retryGroup(code: string): Promise<void>;
  retryAll(): Promise<void>;
  discard(target: string): Promise<void>;
  skipFile(target: string): Promise<void>;
  skipped: Load<SkippedPathDto[]>;
  loadSkipped(): Promise<void>;
  unskip(path: string): Promise<void>;
}

interface SettingsSlice {
  settings: Load<SettingsDto>;
  loadSettings(): Promise<void>;
  saveSettings(values: Partial<SettingsValues>): Promise<boolean>;
}

interface UiSlice {
  view: View;
  setView(view: View): void;
  toasts: { id: number; kind: 'info' | 'error'; text: string }[];
  toast(kind: 'info' | 'error', text: string): void;
  dismissToast(id: number): void;
}

export type AppState = ConnectionSlice & EngineSlice & LibrarySlice & FailedSlice & SettingsSlice & UiSlice & BrowseSlice & CullingSlice;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let toastId = 0;

/** One store per client; views read it with small selectors. */
export function createAppStore(client: ApiClient) {
  return create<AppState>()((set, get) => {
    /** Runs an action and reports a failure as a toast instead of throwing into React. */
    const act = async <T,>(fn: () => Promise<T>, done?: (value: T) => string | null): Promise<T | undefined> => {
      try {
        const value = await fn();
        const text = done?.(value);
        if (text) get().toast('info', text);
        return value;
      } catch (error) {
        get().toast('error', message(error));
        return undefined;
      }
    };
    const fetchPage = async (page: number, version: number) => {
      const { filter, pagesLoading } = get();
      if (pagesLoading.has(page)) return;
      set({ pagesLoading: new Set(pagesLoading).add(page) });
      try {
        const { state, ...rest } = filter;
        const result = await client['library.query']({ ...rest, state: state ?? undefined, limit: PAGE_SIZE, offset: page * PAGE_SIZE });
        if (get().libraryVersion !== version) return; // the filter changed meanwhile
        const tiles = get().tiles.slice();
        tiles.length = result.total;
        const indexById = new Map(get().indexById);
        result.photos.forEach((photo, i) => {
          tiles[result.offset + i] = photo;
          indexById.set(photo.id, result.offset + i);
        });
        set({ tiles, indexById, total: result.total, libraryError: null });
      } catch (error) {
        if (get().libraryVersion === version) set({ libraryError: message(error) });
      } finally {
        const next = new Set(get().pagesLoading);
        next.delete(page);
        set({ pagesLoading: next });
      }
    };

    return {
      // connection
      connection: 'connecting',
      transport: client.transport.kind,
      setConnection: (connection) => set({ connection }),

      // engine
      dataDir: null,
      lanes: null,
      pauses: [],
      workers: [],
      hosts: [],
      photoCounts: {},
      ingest: null,
      scanning: false,
      samples: [],
      loadError: null,
      loadStatus: async () => {
        try {
          const status = await client['status.get']({});
          set({
            dataDir: status.dataDir,
            lanes: status.lanes,
            pauses: status.pauses,
            workers: status.workers,
            hosts: status.hosts,
            photoCounts: status.photos,
            ingest: status.lastIngest,
            loadError: null,
            connection: 'open',
          });
        } catch (error) {
          set({ loadError: message(error) });
        }
      },
      applyLaneCounts: ({ at, lanes, finished }) => {
        const samples = get().samples.concat({ at, cpu: finished.cpu, ml: finished.ml });
        set({ lanes, samples: samples.length > MAX_SAMPLES ? samples.slice(-MAX_SAMPLES) : samples });
      },
      applyTotals: ({ photos, ingest, scanning }) => {
        const before = get().photoCounts;
        const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
        const notice = ingestNotice(get().ingest, ingest);
        set({ photoCounts: photos, ingest, scanning });
        if (notice) get().toast('info', notice);
        // New photos appeared (an ingest is scanning): the grid grows; the current pages stay.
        // Pages already loaded are fetched again: new photos shift the order (the grid is sorted by path).
        if (total(photos) !== total(before) && !isFiltered(get().filter) && get().total !== null) {
          const tiles = get().tiles.slice();
          tiles.length = total(photos);
          set({ tiles, total: total(photos) });
          const pages = new Set([...get().indexById.values()].map((i) => Math.floor(i / PAGE_SIZE)));
          for (const page of pages) void fetchPage(page, get().libraryVersion);
        }
      },
      pause: async (scope) => {
        await act(() => client['lanes.pause']({ scope }), () => `Paused ${scope === 'all' ? 'every lane' : scope}`);
        await get().loadStatus();
      },
      resume: async (scope) => {
        await act(() => client['lanes.resume']({ scope }), () => `Resumed ${scope === 'all' ? 'every lane' : scope}`);
        await get().loadStatus();
      },
      purge: async (lane) => {
        await act(() => client['lanes.purge']({ lane }), (r) => `Removed ${r.removed} waiting jobs from ${lane}`);
      },
      addFolders: async (paths) => {
        const result = await act(
          () => client['library.addFolders']({ paths }),
          (r) => `Analysing ${r.accepted.length === 1 ? r.accepted[0] : `${r.accepted.length} folders`}`,
        );
        return result !== undefined;
      },

      // library
      filter: { state: null },
      similar: { status: 'idle' },
      total: null,
      tiles: [],
      indexById: new Map(),
      pagesLoading: new Set(),
      libraryError: null,
      libraryVersion: 0,
      setFilter: (patch) => {
        const filter: LibraryFilter = { ...get().filter, ...patch };
        for (const key of Object.keys(filter) as (keyof LibraryFilter)[]) if (filter[key] === '' || (filter[key] === undefined && key !== 'state')) delete filter[key];
        // A selection is of the set shown: another filter starts a new one.
        set({ filter, selection: new Set() });
        get().reloadLibrary();
      },
      clearFilters: () => {
        set({ filter: { state: null }, selection: new Set() });
        get().reloadLibrary();
      },
      reloadLibrary: () => {
        const version = get().libraryVersion + 1;
        set({ libraryVersion: version, tiles: [], indexById: new Map(), total: null, pagesLoading: new Set(), libraryError: null, selectionAnchor: null });
        void fetchPage(0, version);
      },
      ensureRange: (from, to) => {
        const { tiles, libraryVersion } = get();
        const first = Math.floor(Math.max(0, from) / PAGE_SIZE);
        const last = Math.floor(Math.max(0, to) / PAGE_SIZE);
        for (let page = first; page <= last; page++) {
          const start = page * PAGE_SIZE;
          if (start >= tiles.length && page > 0) break;
          let missing = false;
          for (let i = start; i < Math.min(start + PAGE_SIZE, tiles.length || PAGE_SIZE); i++) {
            if (!tiles[i]) {
              missing = true;
              break;
            }
          }
          if (missing) void fetchPage(page, libraryVersion);
        }
      },
      applyProgress: (updates) => {
        const { tiles, indexById, selectedId } = get();
        let next: typeof tiles | null = null;
        let refreshDetail = false;
        const stale = new Set<number>();
        for (const update of updates) {
          if (update.photoId === selectedId) refreshDetail = true;
          const index = indexById.get(update.photoId);
          if (index === undefined) continue;
          const tile = (next ?? tiles)[index];
          if (!tile || tile.id !== update.photoId) continue;
          next ??= tiles.slice();
          const stagesDone = update.stage && (update.stageState === 'done' || update.stageState === 'skipped')
            ? Math.min(STAGES.length, Math.max(tile.stagesDone, STAGES.indexOf(update.stage) + 1))
            : tile.stagesDone;
          next[index] = { ...tile, stagesDone, state: update.state ?? (update.stage ? 'processing' : tile.state) };
          // A finished tile needs its results (quality, faces, tags), one that passed preprocess its
          // thumbnail: reload its page (once per page per coalesced event).
          if (update.state === 'done' || ((update.state === 'failed' || update.stage === 'preprocess') && !tile.thumbnail)) stale.add(Math.floor(index / PAGE_SIZE));
        }
        if (next) set({ tiles: next });
        for (const page of stale) void fetchPage(page, get().libraryVersion);
        if (refreshDetail && selectedId) void get().openPhoto(selectedId);
      },
      selectedId: null,
      detail: { status: 'idle' },
      openPhoto: async (id) => {
        const first = get().selectedId !== id;
        set({ selectedId: id, ...(first ? { detail: id ? { status: 'loading' } : { status: 'idle' }, similar: { status: id ? 'loading' : 'idle' } } : {}) });
        if (!id) return;
        if (first) {
          client['photos.similar']({ photoId: id, k: 12 }).then(
            (data) => get().selectedId === id && set({ similar: { status: 'ready', data } }),
            (error: unknown) => get().selectedId === id && set({ similar: { status: 'error', message: message(error) } }),
          );
        }
        try {
          const data = await client['photos.get']({ photoId: id });
          if (get().selectedId === id) set({ detail: { status: 'ready', data } });
        } catch (error) {
          if (get().selectedId === id) set({ detail: { status: 'error', message: message(error) } });
        }
      },
      analyseNow: async (id) => {
        await act(() => client['photos.analyseNow']({ photoId: id }), () => 'Queued on the high-priority lane');
      },

      // failed
      failed: { status: 'idle' },
      loadFailed: async () => {
        if (get().failed.status !== 'ready') set({ failed: { status: 'loading' } });
        try {
          const data = await client['failed.list']({});
          set({ failed: { status: 'ready', data } });
        } catch (error) {
          set({ failed: { status: 'error', message: message(error) } });
        }
      },
      retry: async (target) => {
        await act(() => client['jobs.retry']({ target }), (r) => `${r.retried} photo queued again`);
        await get().loadFailed();
      },
      retryGroup: async (code) => {
        await act(() => client['jobs.retryGroup']({ code: code as never }), (r) => `${r.retried} photos queued again`);
        await get().loadFailed();
      },
      retryAll: async () => {
        await act(() => client['jobs.retryAll']({}), (r) => `${r.retried} photos queued again`);
        await get().loadFailed();
      },
      discard: async (target) => {
        await act(() => client['jobs.discard']({ target }), () => 'Discarded');
        await get().loadFailed();
      },
      skipFile: async (target) => {
        await act(() => client['files.skip']({ target }), (r) => `${r.path} will be skipped from now on`);
        await Promise.all([get().loadFailed(), get().loadSkipped(), get().loadStatus()]);
      },
      skipped: { status: 'idle' },
      loadSkipped: async () => {
        try {
          set({ skipped: { status: 'ready', data: (await client['files.skipped']({})).paths } });
        } catch (error) {
          set({ skipped: { status: 'error', message: message(error) } });
        }
      },
      unskip: async (path) => {
        await act(() => client['files.unskip']({ path }), () => `${path} will be analysed again`);
        await Promise.all([get().loadFailed(), get().loadSkipped()]);
      },

      // settings
      settings: { status: 'idle' },
      loadSettings: async () => {
        set({ settings: { status: 'loading' } });
        try {
          set({ settings: { status: 'ready', data: await client['settings.get']({}) } });
        } catch (error) {
          set({ settings: { status: 'error', message: message(error) } });
        }
      },
      saveSettings: async (values) => {
        const result = await act(() => client['settings.set'](values), () => 'Saved. They apply the next time the engine starts.');
        if (result) set({ settings: { status: 'ready', data: result.settings } });
        return result !== undefined;
      },

      ...createCullingSlice<AppState>(client, set, get, (kind, text) => get().toast(kind, text)),

      // ui
      view: 'queues',
      setView: (view) => set({ view }),
      toasts: [],
      toast: (kind, text) => {
        const id = ++toastId;
        set({ toasts: [...get().toasts.slice(-3), { id, kind, text }] });
        setTimeout(() => get().dismissToast(id), kind === 'error' ? 8000 : 3500);
      },
      dismissToast: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),

      ...createBrowseSlice(client, set, get),
    };
  });
}

export type AppStore = ReturnType<typeof createAppStore>;
