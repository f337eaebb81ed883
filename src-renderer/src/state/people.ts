/**
 * The People view's state: persons, the open person's page, the selection for a merge, and the
 * corrections a person makes. Its own zustand store, bound to the API client once at start-up.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { FaceDto, PersonDto, PhotoSummary } from '../../../src-shared/api/contract.js';

export interface PeopleState {
  people: PersonDto[];
  unassigned: number;
  lowQuality: number;
  loading: boolean;
  error: string | null;
  /** Ids picked for a merge, in the order they were picked (the first keeps its name). */
  selected: string[];
  openId: string | null;
  open: { person: PersonDto; faces: FaceDto[]; photos: PhotoSummary[] } | null;
  /** Photos showing every selected person (the library filtered by several people). */
  together: { people: PersonDto[]; photos: PhotoSummary[]; total: number } | null;
  load(): Promise<void>;
  toggle(id: string): void;
  clearSelection(): void;
  rename(id: string, name: string | null): Promise<void>;
  mergeSelected(): Promise<void>;
  openPerson(id: string | null): Promise<void>;
  notThisPerson(faceId: string, personId: string): Promise<void>;
  hide(id: string, hidden: boolean): Promise<void>;
  showTogether(ids: string[] | null): Promise<void>;
}

let client: ApiClient | null = null;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const usePeople = create<PeopleState>()((set, get) => {
  const api = (): ApiClient => {
    if (!client) throw new Error('people: no API client bound');
    return client;
  };
  /** Runs a correction, then reloads what is on screen; a failure is shown, not thrown. */
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      set({ error: null });
    } catch (e) {
      set({ error: message(e) });
    }
    await get().load();
    if (get().openId) await get().openPerson(get().openId);
  };
  return {
    people: [],
    unassigned: 0,
    lowQuality: 0,
    loading: false,
    error: null,
    selected: [],
    openId: null,
    open: null,
    together: null,
    load: async () => {
      set({ loading: true });
      try {
        const r = await api()['people.list']({});
        set({ people: r.people, unassigned: r.unassigned, lowQuality: r.lowQuality, loading: false, error: null });
      } catch (e) {
        set({ loading: false, error: message(e) });
      }
    },
    toggle: (id) => set((s) => ({ selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id] })),
    clearSelection: () => set({ selected: [] }),
    rename: (id, name) => act(() => api()['people.name']({ personId: id, name })),
    mergeSelected: async () => {
      const [into, ...rest] = get().selected;
      if (!into || rest.length === 0) return;
      set({ selected: [] });
      await act(async () => {
        for (const from of rest) await api()['people.merge']({ from, into });
      });
    },
    openPerson: async (id) => {
      set({ openId: id, open: id === get().openId ? get().open : null });
      if (!id) return;
      try {
        const [detail, photos] = await Promise.all([api()['people.get']({ personId: id }), api()['people.photos']({ personIds: [id], limit: 200 })]);
        if (get().openId === id) set({ open: { ...detail, photos: photos.photos }, error: null });
      } catch (e) {
        set({ error: message(e) });
      }
    },
    notThisPerson: (faceId, personId) => act(() => api()['people.notThisPerson']({ faceId, personId })),
    hide: (id, hidden) => act(() => api()['people.hide']({ personId: id, hidden })),
    showTogether: async (ids) => {
      if (!ids || ids.length === 0) return set({ together: null });
      try {
        const r = await api()['people.photos']({ personIds: ids, limit: 200 });
        const people = ids.map((id) => get().people.find((p) => p.id === id)).filter((p): p is PersonDto => !!p);
        set({ together: { people, photos: r.photos, total: r.total }, error: null });
      } catch (e) {
        set({ error: message(e) });
      }
    },
  };
});

/** Called once in main.tsx with the app's client. */
export function bindPeople(api: ApiClient): void {
  client = api;
}

/** The bound client, for components that read people data outside this store (the photo's face chips). */
export function peopleClient(): ApiClient | null {
  return client;
}
