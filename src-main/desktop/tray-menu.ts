import type { TrayView } from '../engine/api/tray-model.js';
import type { EnginePhase } from './app-lifecycle.js';

export type TrayAction = 'pause-all' | 'resume-all' | 'pause-after-current' | 'toggle-eco' | 'open' | 'quit';

/** One tray menu entry, without Electron: main.ts turns each into a MenuItem. */
export type TrayMenuItem =
  | { kind: 'label'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; label: string; action: TrayAction; enabled: boolean; checked?: boolean };

const STATE_LABEL: Record<TrayView['state'], string> = { running: 'Analysing', paused: 'Paused', pausing: 'Pausing after the current photos', idle: 'Up to date' };
const PHASE_LABEL: Record<Exclude<EnginePhase, 'running'>, string> = { starting: 'Starting…', failed: 'Engine did not start', stopping: 'Quitting…', stopped: 'Stopped' };

/**
 * The tray menu for a view and an engine phase. It names the state only (not the photo count, which
 * changes every second and lives in the tooltip), so the menu stays the same while an ingest runs.
 */
export function trayMenu(view: TrayView, phase: EnginePhase): TrayMenuItem[] {
  const running = phase === 'running';
  return [
    { kind: 'label', label: running ? STATE_LABEL[view.state] : PHASE_LABEL[phase] },
    ...(running && view.systemPause ? [{ kind: 'label', label: `Paused by the system: ${view.systemPause}` } as const] : []),
    { kind: 'separator' },
    view.allPaused
      ? { kind: 'action', label: 'Resume all', action: 'resume-all', enabled: running }
      : { kind: 'action', label: 'Pause all', action: 'pause-all', enabled: running },
    { kind: 'action', label: 'Pause after current photos', action: 'pause-after-current', enabled: running && !view.allPaused && view.state !== 'pausing' },
    { kind: 'action', label: 'Eco mode (fewer workers)', action: 'toggle-eco', enabled: running, checked: view.eco },
    { kind: 'separator' },
    { kind: 'action', label: 'Open Shoebox', action: 'open', enabled: true },
    { kind: 'action', label: 'Quit Shoebox', action: 'quit', enabled: phase !== 'stopping' && phase !== 'stopped' },
  ];
}

/**
 * Rebuilding a native menu costs a round trip to the OS shell and closes a menu the person has
 * open: rebuild only when what it shows changed, not on every lane-count event (~1/s).
 */
export class TrayMenuCache {
  private last: string | null = null;

  /** The items to build, or null when the menu on screen already shows them. */
  next(items: TrayMenuItem[]): TrayMenuItem[] | null {
    const key = JSON.stringify(items);
    if (key === this.last) return null;
    this.last = key;
    return items;
  }
}
