import type { ApiClient } from '../../../src-shared/api/client.js';
import type { AppStore } from './store.js';

/**
 * The one place where pushed events enter the store, outside React: components only read the
 * store. Returns the function that unbinds everything.
 */
export function bindEvents(client: ApiClient, store: AppStore): () => void {
  const s = () => store.getState();
  const offs = [
    client.on('lanes.counts', (payload) => s().applyLaneCounts(payload)),
    client.on('ingest.totals', (payload) => s().applyTotals(payload)),
    client.on('photos.progress', ({ updates }) => s().applyProgress(updates)),
    client.on('workers.state', ({ workers }) => store.setState({ workers })),
    client.on('lanes.pauses', ({ pauses }) => store.setState({ pauses })),
  ];
  let failedTimer: ReturnType<typeof setTimeout> | null = null;
  // The Failed view follows new failures without polling: a failure event schedules one reload.
  offs.push(
    client.on('photos.progress', ({ updates }) => {
      if (s().view !== 'failed' || !updates.some((u) => u.state === 'failed')) return;
      failedTimer ??= setTimeout(() => {
        failedTimer = null;
        void s().loadFailed();
      }, 1000);
    }),
  );
  const offConnection = client.transport.onConnection?.((state) => {
    s().setConnection(state);
    if (state === 'open') {
      // After a reconnect, what we hold may be stale: reload from the engine (the store is the truth).
      void s().loadStatus();
      if (s().view === 'library') s().reloadLibrary();
    }
  });
  return () => {
    for (const off of offs) off();
    offConnection?.();
    if (failedTimer) clearTimeout(failedTimer);
  };
}
