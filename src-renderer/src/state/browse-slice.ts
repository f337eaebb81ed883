import type { ApiClient } from '../../../src-shared/api/client.js';
import type { HeldPhotoDto, IngestInfo, LaneJobDto, LibraryFolderDto, SuggestionDto, JOB_LIST_STATES } from '../../../src-shared/api/contract.js';
import type { Lane } from '../../../src-shared/lanes.js';
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
  /** Collapsed sidebar (narrow windows start collapsed). */
  navCollapsed: boolean;
  toggleNav(force?: boolean): void;
}

type Set = (partial: Partial<AppState>) => void;
type Get = () => AppState;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

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
    navCollapsed: typeof window !== 'undefined' && window.innerWidth < 900,
    toggleNav: (force) => set({ navCollapsed: force ?? !get().navCollapsed }),
  };
}
