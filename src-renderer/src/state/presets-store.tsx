/**
 * The photo detail's preset state (issue 15), in its own zustand store: the open photo's context (labels
 * with reasons), its suggested preset and rule, and "apply the suggested preset" (a high_priority job).
 */
import { createContext, useContext, type ReactNode } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { Res } from '../../../src-shared/api/contract.js';
import type { Load } from './store.js';

export type PhotoContextDto = Res<'photos.context'>;

export interface PresetsState {
  photoId: string | null;
  context: Load<PhotoContextDto>;
  applying: 'idle' | 'queued' | { error: string };
  loadContext(photoId: string): Promise<void>;
  applySuggested(photoId: string): Promise<void>;
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
