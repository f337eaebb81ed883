/**
 * Exports in the app (issue 16): the list with progress, polled while the Queues view shows it, and
 * pause / resume / cancel. Its own zustand store, bound to the API client once at start-up.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { Req, Res } from '../../../src-shared/api/contract.js';

export type ExportDto = Res<'exports.get'>;

export interface ExportsState {
  exports: ExportDto[];
  error: string | null;
  busy: string | null;
  refresh(): Promise<void>;
  act(action: 'pause' | 'resume' | 'cancel', id: string): Promise<void>;
  /** Creates and queues an export; answers it, or throws the API's reason. */
  create(input: Req<'exports.create'>): Promise<ExportDto>;
  /** The library's presets, for the export form's choice. */
  presets(): Promise<Array<{ id: string; name: string }>>;
}

let client: ApiClient | null = null;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const useExports = create<ExportsState>()((set, get) => ({
  exports: [],
  error: null,
  busy: null,
  async refresh() {
    if (!client) return;
    try {
      set({ exports: (await client['exports.list']({})).exports, error: null });
    } catch (e) {
      set({ error: errorText(e) });
    }
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
  async create(input) {
    if (!client) throw new Error('exports: no API client bound');
    const created = await client['exports.create'](input);
    await get().refresh();
    return created;
  },
  async presets() {
    if (!client) return [];
    return (await client['presets.list']({})).presets.map((p) => ({ id: p.id, name: p.name }));
  },
}));

export function bindExports(api: ApiClient): void {
  client = api;
}
