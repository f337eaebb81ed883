/**
 * The platform's own opener (xdg-open / open / explorer) for a URL or a folder: what `shoebox serve
 * --open` uses for its page and what the engine uses to open a finished export's folder for the
 * browser UI (the engine only listens on loopback, so the folder opens on the person's own desktop).
 * The Electron app opens folders with shell.openPath instead (see src-main/electron/main.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export type OpenTarget = 'url' | 'folder';

export interface OpenerCommand {
  command: string;
  args: string[];
}

/** The command that opens `target` on `platform` (no shell: the target is one argument). */
export function openerCommand(platform: NodeJS.Platform, target: string, kind: OpenTarget): OpenerCommand {
  if (kind === 'folder' && !(platform === 'win32' ? path.win32.isAbsolute(target) : path.posix.isAbsolute(target))) {
    // An absolute path also never starts with "-", so the opener cannot read it as an option.
    throw new Error(`only an absolute folder can be opened: ${target}`);
  }
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [target] };
    case 'win32':
      // explorer opens a folder itself; a URL goes through start (its first quoted argument is the title).
      return kind === 'folder' ? { command: 'explorer.exe', args: [target] } : { command: 'cmd', args: ['/c', 'start', '""', target] };
    default:
      return { command: 'xdg-open', args: [target] };
  }
}

/**
 * Starts the opener, detached. Resolves once it started; rejects when it cannot start (no xdg-open…).
 * What the opener does afterwards (explorer's exit code is 1 even when it worked) is not waited for.
 */
export function openWithPlatform(target: string, kind: OpenTarget, platform: NodeJS.Platform = process.platform): Promise<void> {
  const { command, args } = openerCommand(platform, target, kind);
  return new Promise((resolve, reject) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true });
      child.once('error', (error) => reject(new Error(`${command} could not be started: ${error.message}`)));
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
