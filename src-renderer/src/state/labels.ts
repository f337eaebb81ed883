/**
 * The Labels view's state (issue 17): the labels (also listed in the sidebar), the open label's page,
 * and accept / reject of a suggestion. Its own zustand store, bound to the API client once at start-up.
 * Accept / reject is an example for the label; the engine recalculates (debounced), so the page is
 * read again shortly after the last click.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../src-shared/api/client.js';
import type { LabelPageDto, LabelSummaryDto } from '../../../src-shared/api/labels-contract.js';

export interface LabelsState {
  labels: LabelSummaryDto[];
  openName: string | null;
  page: LabelPageDto | null;
  error: string | null;
  /** True between a click and the page read after the recalculation. */
  recalculating: boolean;
  load(): Promise<void>;
  open(name: string | null): Promise<void>;
  judge(photoId: string, kind: 'positive' | 'negative'): Promise<void>;
  evaluate(): Promise<void>;
}

let client: ApiClient | null = null;
let reloadTimer: ReturnType<typeof setTimeout> | null = null;
/** A little longer than the engine's debounce (PROTOTYPES_DEBOUNCE_MS) plus the recalculation itself. */
const RELOAD_AFTER_MS = 3000;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const useLabels = create<LabelsState>()((set, get) => {
  const api = (): ApiClient => {
    if (!client) throw new Error('labels: no API client bound');
    return client;
  };
  const reloadSoon = () => {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      void get().load();
      const name = get().openName;
      if (name) void get().open(name).then(() => set({ recalculating: false }));
    }, RELOAD_AFTER_MS);
  };
  return {
    labels: [],
    openName: null,
    page: null,
    error: null,
    recalculating: false,
    load: async () => {
      try {
        set({ labels: (await api()['labels.list']({})).labels, error: null });
      } catch (e) {
        set({ error: message(e) });
      }
    },
    open: async (name) => {
      set({ openName: name, page: name === get().openName ? get().page : null });
      if (!name) return;
      try {
        const page = await api()['labels.get']({ label: name });
        if (get().openName === name) set({ page, error: null });
      } catch (e) {
        set({ error: message(e) });
      }
    },
    judge: async (photoId, kind) => {
      const name = get().openName;
      const page = get().page;
      if (!name || !page) return;
      // The tile leaves the suggestions at once; the recalculated page follows.
      const tile = page.suggestions.find((s) => s.photoId === photoId);
      set({
        recalculating: true,
        page: { ...page, suggestions: page.suggestions.filter((s) => s.photoId !== photoId), examples: tile ? [...page.examples, { ...tile, kind, score: null }] : page.examples },
      });
      try {
        await api()['labels.mark']({ label: name, photoIds: [photoId], kind });
      } catch (e) {
        set({ error: message(e) });
      }
      reloadSoon();
    },
    evaluate: async () => {
      const name = get().openName;
      if (!name) return;
      try {
        await api()['labels.evaluate']({ label: name });
        set({ recalculating: true });
      } catch (e) {
        set({ error: message(e) });
      }
      reloadSoon();
    },
  };
});

/** Called once in main.tsx with the app's client. */
export function bindLabels(api: ApiClient): void {
  client = api;
}
