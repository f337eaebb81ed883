import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What the desktop app alone remembers (the engine's settings stay in settings.json): kept in
 * `<library>/desktop.json`, written atomically.
 */
export const DesktopPrefs = z.object({
  openAtLogin: z.boolean(),
  pauseOnBattery: z.boolean(),
  notifyWhenDone: z.boolean(),
  /** "While I am using the computer: eco": one worker per class while the person is at the computer. */
  ecoWhileActive: z.boolean(),
  /** The notice "Shoebox keeps working in the tray" was shown (once, at the first close). */
  closeNoticeShown: z.boolean(),
});
export type DesktopPrefs = z.infer<typeof DesktopPrefs>;

export const DEFAULT_PREFS: DesktopPrefs = { openAtLogin: false, pauseOnBattery: true, notifyWhenDone: true, ecoWhileActive: false, closeNoticeShown: false };

export function prefsFile(dataDir: string): string {
  return path.join(dataDir, 'desktop.json');
}

/**
 * Reads the preferences. A missing file gives the defaults; an unreadable or invalid one gives the
 * defaults too (the app must open) and a warning that names the file and what is wrong with it.
 */
export function readPrefs(dataDir: string): { prefs: DesktopPrefs; warning: string | null } {
  const file = prefsFile(dataDir);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { prefs: { ...DEFAULT_PREFS }, warning: null };
    return { prefs: { ...DEFAULT_PREFS }, warning: `${file} could not be read (${(error as Error).message}); using the defaults` };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { prefs: { ...DEFAULT_PREFS }, warning: `${file} is not JSON (${(error as Error).message}); using the defaults` };
  }
  const parsed = DesktopPrefs.partial().strict().safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { prefs: { ...DEFAULT_PREFS }, warning: `${file}: ${issue.path.join('.') || 'file'} ${issue.message}; using the defaults` };
  }
  return { prefs: { ...DEFAULT_PREFS, ...parsed.data }, warning: null };
}

export function writePrefs(dataDir: string, prefs: DesktopPrefs): void {
  const file = prefsFile(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(DesktopPrefs.parse(prefs), null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}
