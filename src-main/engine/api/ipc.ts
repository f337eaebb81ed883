import type { AnyEvent, ApiResult } from '../../../src-shared/api/contract.js';
import { METHODS } from '../../../src-shared/api/contract.js';
import { dispatch, type Handlers } from './dispatch.js';

/**
 * The Electron IPC transport, written against the small part of Electron's API it uses so that it
 * compiles and is tested in plain Node; src-main/electron hands in the real `ipcMain`.
 */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}
export interface IpcEventLike {
  senderFrame?: { url: string } | null;
  sender?: { id: number };
}

/** One channel per contract entry: `api:<method>`. Events go to the window on `api:event`. */
export const IPC_PREFIX = 'api:';
export const IPC_EVENT_CHANNEL = 'api:event';

/**
 * Registers every handler with `ipcMain.handle`. Every call checks its sender first (only our own
 * window's top frame, loaded from our own files, may call) and validates its input against the
 * contract. The reply is an ApiResult, never a thrown Error (Electron would flatten it to a string).
 */
export function registerIpcHandlers(
  ipc: IpcMainLike,
  handlers: Handlers,
  isTrustedSender: (event: IpcEventLike) => boolean,
  onInternal?: (method: string, error: unknown) => void,
): () => void {
  for (const method of METHODS) {
    ipc.handle(IPC_PREFIX + method, async (event, request): Promise<ApiResult<unknown>> => {
      if (!isTrustedSender(event)) return { ok: false, error: { code: 'forbidden', message: 'calls are accepted from the Shoebox window only' } };
      return dispatch(handlers, method, request, onInternal);
    });
  }
  return () => {
    for (const method of METHODS) ipc.removeHandler(IPC_PREFIX + method);
  };
}

/** Forwards hub events to a window (`webContents.send`), skipping it while it is gone. */
export function forwardEvents(
  subscribe: (listener: (event: AnyEvent) => void) => () => void,
  target: () => { isDestroyed(): boolean; send(channel: string, message: unknown): void } | null,
): () => void {
  return subscribe((event) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event);
  });
}
