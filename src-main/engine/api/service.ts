import type { Engine } from '../engine.js';
import { LibraryOperations } from '../operations.js';
import type { Handlers } from './dispatch.js';
import { EventHub } from './event-hub.js';
import { BackgroundIngests, createHandlers, type HandlerHost } from './handlers.js';

/** The API of one running engine: handlers and events, before any transport. */
export interface ApiService {
  handlers: Handlers;
  hub: EventHub;
  ingests: BackgroundIngests;
  ops: LibraryOperations;
  /** Stops following ingests and closes the event streams; call before engine.stop(). */
  close(): Promise<void>;
}

export function createApiService(engine: Engine, host: HandlerHost = {}): ApiService {
  const ops = new LibraryOperations(engine.store, engine.lanes, engine.config.dataDir, process.pid);
  const ingests = new BackgroundIngests(engine);
  const handlers = createHandlers(engine, ops, ingests, host);
  const hub = new EventHub(engine, ingests);
  hub.start();
  return {
    handlers,
    hub,
    ingests,
    ops,
    close: async () => {
      ingests.abortAll();
      await hub.close();
    },
  };
}
