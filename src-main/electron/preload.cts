// The preload bridge. It runs sandboxed (sandbox: true), so it is CommonJS and imports nothing but
// electron; types from src-shared are erased at compile time.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { AnyEvent, ApiResult } from '../../src-shared/api/contract.js';

const METHOD = /^[a-z]+\.[A-Za-z]+$/;

contextBridge.exposeInMainWorld('shoebox', {
  /** One API call; the main process validates the method, the sender and the request. */
  invoke(method: string, request: unknown): Promise<ApiResult<unknown>> {
    if (typeof method !== 'string' || !METHOD.test(method)) {
      return Promise.resolve({ ok: false, error: { code: 'not-found', message: 'unknown method' } });
    }
    return ipcRenderer.invoke(`api:${method}`, request ?? {}) as Promise<ApiResult<unknown>>;
  },
  onEvent(listener: (event: AnyEvent) => void): () => void {
    const wrapped = (_event: IpcRendererEvent, message: AnyEvent) => listener(message);
    ipcRenderer.on('api:event', wrapped);
    return () => ipcRenderer.removeListener('api:event', wrapped);
  },
  mediaBase: 'shoebox://media/',
  /** The native folder picker: the chosen folders, or [] when cancelled. */
  pickFolders(): Promise<string[]> {
    return ipcRenderer.invoke('desktop:pickFolders') as Promise<string[]>;
  },
  /** Opens the original file in its default app, or shows it in the file manager (a library photo, by id). */
  photoAction(action: 'open' | 'reveal', photoId: string): Promise<boolean> {
    return ipcRenderer.invoke('shell:photo', action, photoId) as Promise<boolean>;
  },
  /** Where dropped files live: Electron can say, a browser cannot. */
  pathsForFiles(files: File[]): string[] {
    return Array.from(files, (file) => webUtils.getPathForFile(file));
  },
});
