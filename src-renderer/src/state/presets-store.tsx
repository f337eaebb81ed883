/**
 * The preset state (issue 15), in its own zustand store: the open photo's context (labels with reasons),
 * its suggested preset and rule, and "apply the suggested preset" (a high_priority job); and for the
 * Presets view the library's presets and rules with the editor's calls (save, import, delete, rules,
 * previews rendered by a worker, "apply suggested presets to this folder").
 */
import { createContext, useContext, type ReactNode } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { Req, Res } from '../../../src-shared/api/contract.js';
import type { Load } from './store.js';

export type PhotoContextDto = Res<'photos.context'>;
export type PresetLibraryDto = Res<'presets.list'>;
export type PresetPreviewDto = Res<'presets.preview'>;

export interface PresetsState {
  photoId: string | null;
  context: Load<PhotoContextDto>;
  applying: 'idle' | 'queued' | { error: string };
  loadContext(photoId: string): Promise<void>;
  applySuggested(photoId: string): Promise<void>;
  /** The Presets view: presets, ordered rules, sidecar naming. */
  library: Load<PresetLibraryDto>;
  loadLibrary(): Promise<void>;
  /** Each of these resolves with the saved thing and reloads the library, or rejects with the engine's reason. */
  savePreset(input: Req<'presets.save'>): Promise<Res<'presets.save'>>;
  importPreset(fileName: string, xml: string): Promise<Res<'presets.import'>>;
  deletePreset(id: string): Promise<void>;
  saveRules(rules: Req<'presets.setRules'>['rules']): Promise<void>;
  preview(photoId: string, settings: Req<'presets.preview'>['settings']): Promise<PresetPreviewDto>;
  applyFolder(folder: string): Promise<Res<'presets.applyFolder'>>;
  setNaming(naming: PresetLibraryDto['sidecarNaming']): Promise<void>;
  /** Analysed photos the editor can preview on (first page). */
  previewPhotos(): Promise<{ id: string; name: string }[]>;
}

export type PresetsStore = StoreApi<PresetsState>;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function createPresetsStore(client: ApiClient): PresetsStore {
  return createStore<PresetsState>()((set, get) => ({
    photoId: null,
    context: { status: 'idle' },
    applying: 'idle',
    async loadContext(photoId) {
      set({ photoId, context: { status: 'loading' }, applying: 'idle' });
      try {
        const data = await client['photos.context']({ photoId });
        if (get().photoId === photoId) set({ context: { status: 'ready', data } });
      } catch (e) {
        if (get().photoId === photoId) set({ context: { status: 'error', message: errorText(e) } });
      }
    },
    async applySuggested(photoId) {
      try {
        await client['presets.apply']({ photoIds: [photoId], presetId: null });
        set({ applying: 'queued' });
      } catch (e) {
        set({ applying: { error: errorText(e) } });
      }
    },
    library: { status: 'idle' },
    async loadLibrary() {
      if (get().library.status !== 'ready') set({ library: { status: 'loading' } });
      try {
        set({ library: { status: 'ready', data: await client['presets.list']({}) } });
      } catch (e) {
        set({ library: { status: 'error', message: errorText(e) } });
      }
    },
    async savePreset(input) {
      const saved = await client['presets.save'](input);
      await get().loadLibrary();
      return saved;
    },
    async importPreset(fileName, xml) {
      const imported = await client['presets.import']({ fileName, xml });
      await get().loadLibrary();
      return imported;
    },
    async deletePreset(id) {
      await client['presets.delete']({ id });
      await get().loadLibrary();
    },
    async saveRules(rules) {
      await client['presets.setRules']({ rules });
      await get().loadLibrary();
    },
    preview: (photoId, settings) => client['presets.preview']({ photoId, settings }),
    applyFolder: (folder) => client['presets.applyFolder']({ folder }),
    async setNaming(naming) {
      await client['presets.setNaming']({ naming });
      await get().loadLibrary();
    },
    async previewPhotos() {
      const { photos } = await client['photos.list']({ state: 'done', limit: 100 });
      return photos.map((p) => ({ id: p.id, name: p.path.split(/[\\/]/).pop() ?? p.id }));
    },
  }));
}

const PresetsContext = createContext<PresetsStore | null>(null);

export function PresetsProvider({ store, children }: { store: PresetsStore; children: ReactNode }) {
  return <PresetsContext.Provider value={store}>{children}</PresetsContext.Provider>;
}

export function usePresets<T>(selector: (state: PresetsState) => T): T {
  const store = useContext(PresetsContext);
  if (!store) throw new Error('usePresets outside PresetsProvider');
  return useStore(store, selector);
}
