import { spawn } from 'node:child_process';

/** Opens a URL in the person's default browser (xdg-open / open / start), detached; errors go to `onError`. */
export function openInBrowser(url: string, onError: (error: string) => void): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.once('error', (error) => onError(error.message));
    child.unref();
  } catch (error) {
    onError(String(error));
  }
}
