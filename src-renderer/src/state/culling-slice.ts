/**
 * The Culling view's state: groups page by page, the cursor (group, frame), and an undo stack of the
 * person's decisions (each entry is what the engine said it replaced).
 */
import type { StoreApi } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { CullGroup } from '../../../src-shared/api/culling-contract.js';

type Previous = { photoId: string; picked: boolean; rejected: boolean; rating: number | null }[];

export interface CullingSlice {
  culling: {
    kind: 'all' | 'duplicate' | 'burst';
    groups: CullGroup[];
    counts: { duplicate: number; burst: number; toReview: number } | null;
    status: 'idle' | 'loading' | 'ready' | 'error';
    error: string | null;
    groupIndex: number;
    photoIndex: number;
    undo: { label: string; previous: Previous }[];
    loupe: boolean;
  };
  cullLoad(kind?: 'all' | 'duplicate' | 'burst'): Promise<void>;
  cullMove(dGroup: number, dPhoto: number): void;
  cullSelect(groupIndex: number, photoIndex: number): void;
  cullPick(): Promise<void>;
  cullReject(): Promise<void>;
  cullUndo(): Promise<void>;
  cullNextGroup(): void;
  cullToggleLoupe(): void;
}

const INITIAL: CullingSlice['culling'] = {
  kind: 'all',
  groups: [],
  counts: null,
  status: 'idle',
  error: null,
  groupIndex: 0,
  photoIndex: 0,
  undo: [],
  loupe: false,
};

/** The slice, for createAppStore: `...createCullingSlice(client, set, get, toast)`. */
export function createCullingSlice<S extends CullingSlice>(
  client: ApiClient,
  set: StoreApi<S>['setState'],
  get: StoreApi<S>['getState'],
  toast: (kind: 'info' | 'error', text: string) => void,
): CullingSlice {
  const patch = (p: Partial<CullingSlice['culling']>) => set({ culling: { ...get().culling, ...p } } as Partial<S>);
  const current = () => {
    const c = get().culling;
    const group = c.groups[c.groupIndex];
    return { c, group, photo: group?.photos[c.photoIndex] };
  };
  /** Reloads the groups, keeping the cursor on the same group when it is still there. */
  const reload = async () => {
    const { c, group } = current();
    const res = await client['culling.groups']({ kind: c.kind === 'all' ? undefined : c.kind, limit: 200 });
    const at = group ? res.groups.findIndex((g) => g.id === group.id) : -1;
    patch({
      groups: res.groups,
      counts: res.counts,
      status: 'ready',
      error: null,
      groupIndex: at >= 0 ? at : Math.min(c.groupIndex, Math.max(0, res.groups.length - 1)),
      photoIndex: at >= 0 ? Math.min(c.photoIndex, res.groups[at]!.photos.length - 1) : 0,
    });
  };
  const decide = async (label: string, call: (photoId: string) => Promise<{ previous: Previous }>) => {
    const { photo } = current();
    if (!photo) return;
    try {
      const { previous } = await call(photo.photoId);
      patch({ undo: [...get().culling.undo.slice(-49), { label, previous }] });
      await reload();
    } catch (error) {
      toast('error', error instanceof Error ? error.message : String(error));
    }
  };
  return {
    culling: INITIAL,
    cullLoad: async (kind) => {
      patch({ status: 'loading', ...(kind ? { kind, groupIndex: 0, photoIndex: 0 } : {}) });
      try {
        await reload();
      } catch (error) {
        patch({ status: 'error', error: error instanceof Error ? error.message : String(error) });
      }
    },
    cullMove: (dGroup, dPhoto) => {
      const { c } = current();
      if (!c.groups.length) return;
      const gi = Math.max(0, Math.min(c.groups.length - 1, c.groupIndex + dGroup));
      const n = c.groups[gi]!.photos.length;
      const pi = dGroup !== 0 ? Math.min(c.photoIndex, n - 1) : Math.max(0, Math.min(n - 1, c.photoIndex + dPhoto));
      patch({ groupIndex: gi, photoIndex: pi });
    },
    cullSelect: (groupIndex, photoIndex) => patch({ groupIndex, photoIndex }),
    cullPick: () => decide('pick', (photoId) => client['culling.pick']({ photoId })),
    cullReject: () => decide('reject', (photoId) => client['culling.reject']({ photoId })),
    cullUndo: async () => {
      const stack = get().culling.undo;
      const last = stack[stack.length - 1];
      if (!last) {
        toast('info', 'Nothing to undo');
        return;
      }
      try {
        await client['culling.restore']({ decisions: last.previous });
        patch({ undo: stack.slice(0, -1) });
        await reload();
        toast('info', `Undid ${last.label}`);
      } catch (error) {
        toast('error', error instanceof Error ? error.message : String(error));
      }
    },
    cullNextGroup: () => {
      const { c } = current();
      // The next group not reviewed yet, after this one (wrapping); else simply the next.
      const order = c.groups.map((_, i) => (c.groupIndex + 1 + i) % c.groups.length);
      const next = order.find((i) => !c.groups[i]!.reviewed) ?? Math.min(c.groupIndex + 1, c.groups.length - 1);
      patch({ groupIndex: next, photoIndex: 0 });
    },
    cullToggleLoupe: () => patch({ loupe: !get().culling.loupe }),
  };
}
