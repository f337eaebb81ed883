import fs from 'node:fs';
import path from 'node:path';

/**
 * Start at login on Linux, where Electron's app.setLoginItemSettings does nothing: an XDG autostart
 * entry (~/.config/autostart/shoebox.desktop) that starts Shoebox in the tray (`--hidden`).
 * macOS and Windows use app.setLoginItemSettings.
 */
export function autostartFile(env: NodeJS.ProcessEnv, home: string): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'autostart', 'shoebox.desktop');
}

/** The program to start: an AppImage runs from a temporary mount, so its own file ($APPIMAGE) is named instead. */
export function autostartEntry(execPath: string, env: NodeJS.ProcessEnv): string {
  const exec = env.APPIMAGE || execPath;
  // Desktop Entry spec: arguments with spaces are quoted; a quote or backslash inside is escaped.
  const quoted = /[\s"\\`$]/.test(exec) ? `"${exec.replace(/(["\\`$])/g, '\\$1')}"` : exec;
  return ['[Desktop Entry]', 'Type=Application', 'Name=Shoebox', 'Comment=Analyse your photo library in the background', `Exec=${quoted} --hidden`, 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

export function setLinuxAutostart(enabled: boolean, execPath: string, env: NodeJS.ProcessEnv, home: string): void {
  const file = autostartFile(env, home);
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, autostartEntry(execPath, env));
}

export function isLinuxAutostartOn(env: NodeJS.ProcessEnv, home: string): boolean {
  return fs.existsSync(autostartFile(env, home));
}
