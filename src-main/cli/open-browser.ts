import { openWithPlatform } from '../engine/platform-opener.js';

/** Opens a URL in the person's default browser (xdg-open / open / start), detached; errors go to `onError`. */
export function openInBrowser(url: string, onError: (error: string) => void): void {
  openWithPlatform(url, 'url').catch((error: Error) => onError(error.message));
}
