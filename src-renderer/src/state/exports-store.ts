/**
 * Exports in the app (issue 16): the list with progress, polled while the Queues view shows it, and
 * pause / resume / cancel / open folder. Its own zustand store, bound to the API client once at start-up.
 *
 * An export started from this app (through `create`) is watched until it ends, whichever view is open;
 * when it finishes, its folder opens, unless the person turned that off (a preference kept in the
 * browser's localStorage, default on).
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { Req, Res } from '../../../src-shared/api/contract.js';

export type ExportDto = Res<'exports.get'>;

export interface ExportsState {
  exports: ExportDto[];
  error: string | null;
  busy: string | null;
  /** Open an export's folder when an export started here finishes. */
  openWhenDone: boolean;
  /** Exports started from this app, still to be watched to their end. */
  startedHere: string[];
  /** The folder last opened (or the reason it could not be), for the panel to say. */
  opened: { id: string; message: string; ok: boolean } | null;
  refresh(): Promise<void>;
  act(action: 'pause' | 'resume' | 'cancel', id: string): Promise<void>;
  openFolder(id: string): Promise<void>;
  setOpenWhenDone(on: boolean): void;
  /** Creates and queues an export; answers it, or throws the API's reason. */
  create(input: Req<'exports.create'>): Promise<ExportDto>;
  /** The library's presets, for the export form's choice. */
  presets(): Promise<Array<{ id: string; name: string }>>;
}

let client: ApiClient | null = null;
let watchTimer: ReturnType<typeof setTimeout> | null = null;
const WATCH_MS = 2000;
const PREF_KEY = 'shoebox.exports.openWhenDone';
const STARTED_KEY = 'shoebox.exports.startedHere';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// localStorage may be missing or refuse (a private window): the defaults then hold for this session.
function load<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  try {
    const raw = globalThis.localStorage?.getItem(key);
    if (raw === null || raw === undefined) return fallback;
    const parsed: unknown = JSON.parse(raw);
    return valid(parsed) ? parsed : fallback;
  } catch {
    return fallback;
  }
}

function save(key: string, value: unknown): void {
  try {
    globalThis.localStorage?.setItem(key, JSON.stringify(value));
  } catch {
    // not kept: still right for this session
  }
}

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isIds = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Polls while an export started here runs, so its end is seen whichever view is open. */
function watch(): void {
  if (watchTimer !== null || useExports.getState().startedHere.length === 0) return;
  watchTimer = setTimeout(() => {
    watchTimer = null;
    void useExports.getState().refresh().finally(watch);
  }, WATCH_MS);
}

export const useExports = create<ExportsState>()((set, get) => {
  const setStarted = (ids: string[]): void => {
    set({ startedHere: ids });
    save(STARTED_KEY, ids);
  };
  return {
    exports: [],
    error: null,
    busy: null,
    openWhenDone: load(PREF_KEY, true, isBoolean),
    startedHere: load(STARTED_KEY, [], isIds),
    opened: null,
    async refresh() {
      if (!client) return;
      let list: ExportDto[];
      try {
        list = (await client['exports.list']({})).exports;
        set({ exports: list, error: null });
      } catch (e) {
        set({ error: errorText(e) });
        return;
      }
      const started = get().startedHere;
      if (started.length === 0) return;
      const byId = new Map(list.map((e) => [e.id, e]));
      // Ended (or gone): no longer watched; a finished one opens its folder if the person wants that.
      const ended = started.filter((id) => byId.get(id)?.state !== 'running' && byId.get(id)?.state !== 'paused');
      if (ended.length === 0) return;
      setStarted(started.filter((id) => !ended.includes(id)));
      if (!get().openWhenDone) return;
      for (const id of ended) if (byId.get(id)?.state === 'done') await get().openFolder(id);
    },
    async act(action, id) {
      if (!client) return;
      set({ busy: id });
      try {
        await client[`exports.${action}`]({ id });
        await get().refresh();
      } catch (e) {
        set({ error: errorText(e) });
      } finally {
        set({ busy: null });
      }
    },
    async openFolder(id) {
      if (!client) return;
      try {
        const { folder } = await client['exports.openFolder']({ id });
        set({ opened: { id, ok: true, message: `Opened ${folder}` } });
      } catch (e) {
        set({ opened: { id, ok: false, message: `Could not open the folder: ${errorText(e)}` } });
      }
    },
    setOpenWhenDone(on) {
      set({ openWhenDone: on });
      save(PREF_KEY, on);
    },
    async create(input) {
      if (!client) throw new Error('exports: no API client bound');
      const created = await client['exports.create'](input);
      setStarted([...get().startedHere, created.id]);
      await get().refresh();
      watch();
      return created;
    },
    async presets() {
      if (!client) return [];
      return (await client['presets.list']({})).presets.map((p) => ({ id: p.id, name: p.name }));
    },
  };
});

export function bindExports(api: ApiClient): void {
  client = api;
  // Exports started here before a reload are still watched to their end.
  watch();
}
