import { ApiError, METHODS, type ApiErrorInfo, type AnyEvent, type EventName, type EventPayload, type Method, type Req, type Res } from './contract.js';

/**
 * What a front door needs from a transport: one call, one event stream, and where media lives.
 * Implemented by the Electron preload bridge (`window.shoebox`) and by HTTP + WebSocket.
 */
export interface Transport {
  /** Resolves with the result, or rejects with an ApiError (`{code, message}` on the wire). */
  invoke(method: Method, request: unknown): Promise<unknown>;
  /** Subscribes to every pushed event; returns the unsubscribe function. */
  subscribe(listener: (event: AnyEvent) => void): () => void;
  /** URL of a cached thumbnail/preview, from its relative media path. */
  mediaUrl(relPath: string): string;
  /** Connection state changes ('open' after a reconnect means: reload what you hold). */
  onConnection?(listener: (state: 'open' | 'closed') => void): () => void;
  readonly kind: 'ipc' | 'http';
}

/** One typed method per contract entry (a test checks that every entry has one). */
export type ApiClient = { [M in Method]: (request: Req<M>) => Promise<Res<M>> } & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  mediaUrl(relPath: string): string;
  readonly transport: Transport;
};

export function toApiError(info: unknown): ApiError {
  if (info instanceof ApiError) return info;
  const e = info as Partial<ApiErrorInfo> | undefined;
  return new ApiError(e?.code ?? 'internal', e?.message ?? String(info));
}

export function createClient(transport: Transport): ApiClient {
  const client: Record<string, unknown> = {
    transport,
    mediaUrl: (relPath: string) => transport.mediaUrl(relPath),
    on: (event: EventName, listener: (payload: unknown) => void) =>
      transport.subscribe((message) => {
        if (message.event === event) listener(message.payload);
      }),
  };
  for (const method of METHODS) client[method] = (request: unknown) => transport.invoke(method, request ?? {});
  return client as ApiClient;
}
