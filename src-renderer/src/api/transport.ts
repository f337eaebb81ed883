import { ApiError, type AnyEvent, type ApiResult, type Method } from '../../../src-shared/api/contract.js';
import { createClient, toApiError, type ApiClient, type Transport } from '../../../src-shared/api/client.js';

/** What the Electron preload exposes as `window.shoebox` (see src-main/electron/preload.cts). */
export interface ShoeboxBridge {
  invoke(method: string, request: unknown): Promise<ApiResult<unknown>>;
  onEvent(listener: (event: AnyEvent) => void): () => void;
  mediaBase: string;
  /** Open the original in its default app / show it in the file manager (Electron only). */
  photoAction?(action: 'open' | 'reveal', photoId: string): Promise<boolean>;
  /** Paths of files dropped on the window (Electron's webUtils.getPathForFile). */
  pathsForFiles(files: File[]): string[];
  /** The native folder picker (desktop app only): the chosen folders, [] when cancelled. */
  pickFolders?(): Promise<string[]>;
}

declare global {
  interface Window {
    shoebox?: ShoeboxBridge;
  }
}

function ipcTransport(bridge: ShoeboxBridge): Transport {
  return {
    kind: 'ipc',
    invoke: async (method, request) => {
      const reply = await bridge.invoke(method, request);
      if (!reply.ok) throw toApiError(reply.error);
      return reply.result;
    },
    subscribe: (listener) => bridge.onEvent(listener),
    mediaUrl: (relPath) => `${bridge.mediaBase}${relPath}`,
  };
}

/** The token arrives once in the page URL; it is kept for this tab and taken out of the address bar. */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('shoebox-token', fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem('shoebox-token');
}

/** HTTP for calls, one WebSocket for events, reconnecting with backoff. */
function httpTransport(token: string): Transport {
  const listeners = new Set<(event: AnyEvent) => void>();
  const connectionListeners = new Set<(state: 'open' | 'closed') => void>();
  let socket: WebSocket | null = null;
  let retry = 0;
  const connect = () => {
    const wsUrl = new URL('api/events', window.location.href);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.searchParams.set('token', token);
    socket = new WebSocket(wsUrl);
    socket.onopen = () => {
      retry = 0;
      for (const l of connectionListeners) l('open');
    };
    socket.onmessage = (message) => {
      let event: AnyEvent;
      try {
        event = JSON.parse(String(message.data)) as AnyEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    };
    socket.onclose = () => {
      socket = null;
      for (const l of connectionListeners) l('closed');
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 250 * 2 ** retry);
    };
  };
  connect();
  return {
    kind: 'http',
    invoke: async (method: Method, request: unknown) => {
      let response: Response;
      try {
        response = await fetch(new URL(`api/${method}`, window.location.href), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(request ?? {}),
        });
      } catch (error) {
        throw new ApiError('no-engine', `cannot reach the engine: ${(error as Error).message}`);
      }
      let reply: ApiResult<unknown>;
      try {
        reply = (await response.json()) as ApiResult<unknown>;
      } catch {
        throw new ApiError('internal', `unexpected reply (HTTP ${response.status})`);
      }
      if (!reply.ok) throw toApiError(reply.error);
      return reply.result;
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    mediaUrl: (relPath) => `media/${relPath}`,
    onConnection: (listener) => {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}

/** The renderer's one client: the preload bridge in Electron, HTTP + WebSocket in a browser. */
export function connectClient(): ApiClient | { error: string } {
  if (window.shoebox) return createClient(ipcTransport(window.shoebox));
  const token = takeToken();
  if (!token) return { error: 'This page needs the link printed by "shoebox serve" (it carries the access token).' };
  return createClient(httpTransport(token));
}
