import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  net,
  Notification,
  powerMonitor,
  powerSaveBlocker,
  protocol,
  shell,
  Tray,
  type MenuItemConstructorOptions,
} from 'electron';
import log from 'electron-log/main';
import type { AnyEvent } from '../../src-shared/api/contract.js';
import { LANES, WORKER_CLASSES } from '../../src-shared/lanes.js';
import { forwardEvents, registerIpcHandlers, type IpcEventLike } from '../engine/api/ipc.js';
import { resolveInside, resolveMediaPath } from '../engine/api/paths.js';
import { TrayModel, type TrayView } from '../engine/api/tray-model.js';
import { loadConfig } from '../../src-core/config.js';
import { Engine } from '../engine/engine.js';
import { DesktopActivity } from '../desktop/activity.js';
import { AppLifecycle, type EnginePhase } from '../desktop/app-lifecycle.js';
import { pauseForBattery, resumeFromBattery } from '../desktop/battery.js';
import { RendererCrashPolicy } from '../desktop/crash-recovery.js';
import { readPrefs, writePrefs, type DesktopPrefs } from '../desktop/desktop-prefs.js';
import { shellFolderOpener } from '../desktop/open-folder.js';
import { engineEnvironment, missingFiles, resolveLayout } from '../desktop/layout.js';
import { isLinuxAutostartOn, setLinuxAutostart } from '../desktop/login-item.js';
import { bindingProblem } from '../desktop/native-abi.js';
import { TrayMenuCache, trayMenu, type TrayAction, type TrayMenuItem } from '../desktop/tray-menu.js';

/**
 * The Electron shell, kept thin: window, tray, menus, dialogs, notifications, the preload bridge
 * and the `shoebox://` protocol. What the app decides lives in src-main/desktop (plain Node,
 * tested): where its files are (layout), the engine's life from launch to exit (app-lifecycle),
 * the tray menu, keep-awake and notifications (activity), battery pauses, crash recovery.
 */

const SCHEME = 'shoebox';
const APP_ORIGIN = `${SCHEME}://app`;
const here = path.dirname(fileURLToPath(import.meta.url));

// ── where everything is: decided once, before Electron picks its own folders ──────────────────
const layout = resolveLayout({
  isPackaged: app.isPackaged,
  platform: process.platform,
  arch: process.arch,
  resourcesPath: process.resourcesPath,
  appPath: app.getAppPath(),
  nodeAbi: process.versions.modules,
  env: process.env,
  home: os.homedir(),
});
// The library is the CLI's folder; Chromium's own files (Cache/, GPUCache/…) go to chromium/ inside
// it, apart from the engine's cache/ (the same name on a case-insensitive disk otherwise).
app.setPath('userData', layout.dataDir);
app.setPath('sessionData', layout.chromiumDir);
// The engine and its worker processes (forked from here, so they inherit it) read their paths from here.
Object.assign(process.env, engineEnvironment(layout));
log.transports.file.resolvePathFn = () => path.join(layout.logsDir, 'electron.log');
const startHidden = process.argv.includes('--hidden');

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' ${SCHEME}: data: blob:`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let trayModel: TrayModel | null = null;
const trayMenuCache = new TrayMenuCache();
let trayIconName = '';
let prefs: DesktopPrefs = readPrefs(layout.dataDir).prefs;
let sleepBlocker: number | null = null;
const crashPolicy = new RendererCrashPolicy();

const lifecycle = new AppLifecycle(
  {
    showPhase: (phase, detail) => showPhase(phase, detail),
    askAfterStartFailure: (reason) => askAfterStartFailure(reason),
    exit: (code) => {
      tray?.destroy();
      app.exit(code);
    },
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
  },
  async () => {
    const missing = missingFiles(layout, app.isPackaged, fs.existsSync);
    const wrongBuild = missing.length === 0 ? bindingProblem(layout.sqliteBinding, process.versions.modules, `Electron ${process.versions.electron}`) : null;
    if (wrongBuild) missing.push(`${wrongBuild}: run "npm run desktop:native" again`);
    if (missing.length > 0) throw new Error(missing.join('\n'));
    // The person's idle time drives "while I am using the computer: eco" (SHOEBOX_ECO_WHILE_ACTIVE).
    const config = loadConfig({ data: layout.dataDir });
    const governor = { ...config.governor, ecoWhileActive: config.governor.ecoWhileActive || prefs.ecoWhileActive };
    return Engine.start({ ...config, governor }, { idle: () => powerMonitor.getSystemIdleTime() });
  },
  { openFolder: shellFolderOpener((folder) => shell.openPath(folder)) },
);

const activity = new DesktopActivity({
  keepAwake: (on) => {
    // An ingest of thousands of photos runs for hours: the machine must not suspend under it.
    if (on && sleepBlocker === null) sleepBlocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!on && sleepBlocker !== null) {
      powerSaveBlocker.stop(sleepBlocker);
      sleepBlocker = null;
    }
  },
  ingestFinished: (notice) => {
    if (!prefs.notifyWhenDone || !Notification.isSupported()) return;
    const notification = new Notification({ title: notice.title, body: notice.body, silent: true });
    notification.on('click', () => showWindow());
    notification.show();
  },
});

function savePrefs(patch: Partial<DesktopPrefs>): void {
  prefs = { ...prefs, ...patch };
  try {
    writePrefs(layout.dataDir, prefs);
  } catch (error) {
    log.warn(`desktop preferences not saved: ${(error as Error).message}`);
  }
}

// ── the window ──────────────────────────────────────────────────────────────────────────────

/** Shown until the engine runs: a page of our own, no API, nothing to load but itself. */
function phasePage(phase: EnginePhase, detail: string | null): string {
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const title = phase === 'failed' ? 'Shoebox could not start its engine' : phase === 'starting' ? 'Starting Shoebox…' : 'Shoebox is quitting…';
  const body = phase === 'failed' && detail ? `<pre>${escape(detail)}</pre><p>The log is in ${escape(layout.logsDir)}.</p>` : '<p>Your library opens in a moment.</p>';
  const html = `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>Shoebox</title>
<style>body{font:15px system-ui,sans-serif;margin:0;height:100vh;display:grid;place-content:center;text-align:center;color:#222;background:#f6f5f2}
@media (prefers-color-scheme:dark){body{color:#eee;background:#1d1d1f}}pre{text-align:left;white-space:pre-wrap;max-width:60ch;font-size:13px}</style>
<h1 style="font-weight:600;font-size:20px">${escape(title)}</h1>${body}`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

let showingApp = false;

function showPhase(phase: EnginePhase, detail: string | null): void {
  if (phase !== 'running') activity.reset(); // no engine, nothing to keep the machine awake for
  renderTray();
  if (!window || window.isDestroyed()) return;
  if (phase === 'running') {
    if (!showingApp) {
      showingApp = true;
      void window.loadURL(`${APP_ORIGIN}/index.html`);
    }
  } else if (phase !== 'stopped') {
    showingApp = false;
    void window.loadURL(phasePage(phase, detail));
  }
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 760,
    minHeight: 520,
    title: 'Shoebox',
    icon: path.join(layout.assetsDir, 'icon.png'),
    show: false,
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => {
    if (!startHidden) win.show();
  });
  win.on('close', (event) => {
    if (lifecycle.phase === 'stopping' || lifecycle.phase === 'stopped') return;
    // Closing the window keeps the engine working in the tray; Quit (tray or menu) stops it.
    event.preventDefault();
    win.hide();
    if (!prefs.closeNoticeShown) {
      savePrefs({ closeNoticeShown: true });
      const message = 'Shoebox keeps analysing in the background. Quit it from the tray icon or the menu.';
      if (Notification.isSupported()) new Notification({ title: 'Shoebox is still running', body: message }).show();
      else void dialog.showMessageBox({ type: 'info', title: 'Shoebox', message: 'Shoebox is still running', detail: message });
    }
  });
  // Windows log-off / shut-down: the session ends whatever we do; stop fast and cleanly.
  win.on('session-end', () => void lifecycle.onSessionEnd());
  win.webContents.on('render-process-gone', (_event, details) => {
    const decision = crashPolicy.onGone(details.reason);
    if (decision === 'ignore') return;
    log.error(`the window's renderer is gone (${details.reason}, exit code ${details.exitCode}): ${decision}`);
    if (decision === 'reload') {
      showingApp = false;
      showPhase(lifecycle.phase, null);
      return;
    }
    void dialog
      .showMessageBox({
        type: 'error',
        title: 'Shoebox',
        message: 'The Shoebox window keeps crashing',
        detail: `The analysis goes on in the background. The log is in ${layout.logsDir}.`,
        buttons: ['Reload', 'Open Log Folder', 'Quit'],
        defaultId: 0,
        cancelId: 2,
      })
      .then(({ response }) => {
        if (response === 0) {
          crashPolicy.reset();
          showingApp = false;
          showPhase(lifecycle.phase, null);
        } else if (response === 1) void shell.openPath(layout.logsDir);
        else app.quit();
      });
  });
  win.webContents.on('unresponsive', () => log.warn('the window is not responding'));
  return win;
}

function showWindow(): void {
  if (!window || window.isDestroyed()) {
    window = createWindow();
    showingApp = false;
    showPhase(lifecycle.phase, null);
  }
  window.show();
  window.focus();
}

async function askAfterStartFailure(reason: string): Promise<'retry' | 'quit'> {
  for (;;) {
    const { response } = await dialog.showMessageBox({
      type: 'error',
      title: 'Shoebox',
      message: 'Shoebox could not start its engine',
      detail: reason,
      buttons: ['Retry', 'Open Log Folder', 'Quit'],
      defaultId: 0,
      cancelId: 2,
    });
    if (response === 0) return 'retry';
    if (response === 2) return 'quit';
    await shell.openPath(layout.logsDir);
  }
}

// ── the folder picker ─────────────────────────────────────────────────────────────────────────

async function pickFolders(): Promise<string[]> {
  const options: Electron.OpenDialogOptions = { title: 'Add Folders to Shoebox', buttonLabel: 'Analyse', properties: ['openDirectory', 'multiSelections'] };
  const result = window && !window.isDestroyed() ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

/** File › Add Folders…: choose, then start the ingest; a refusal is shown, not lost. */
async function addFoldersFromMenu(): Promise<void> {
  const paths = await pickFolders();
  if (paths.length === 0) return;
  try {
    await lifecycle.handlers()['library.addFolders']({ paths });
    showWindow();
  } catch (error) {
    dialog.showErrorBox('Shoebox could not add these folders', (error as Error).message);
  }
}

// ── the tray ─────────────────────────────────────────────────────────────────────────────────

function trayIcon(view: TrayView): { name: string; image: Electron.NativeImage } {
  const name = view.state === 'paused' || view.state === 'pausing' ? 'tray-paused.png' : view.state === 'running' ? 'tray-running.png' : 'tray-idle.png';
  const image = nativeImage.createFromPath(path.join(layout.assetsDir, name));
  return { name, image: image.isEmpty() ? nativeImage.createFromPath(path.join(layout.assetsDir, 'icon.png')).resize({ width: 16, height: 16 }) : image };
}

function runTrayAction(action: TrayAction): void {
  const model = trayModel!;
  switch (action) {
    case 'pause-all':
      void model.pauseAll().catch((e) => log.error(`pause all: ${e}`));
      return;
    case 'resume-all':
      void model.resumeAll().catch((e) => log.error(`resume all: ${e}`));
      return;
    case 'pause-after-current':
      void model.pauseAfterCurrent().catch((e) => log.error(`pause after current: ${e}`));
      return;
    case 'toggle-eco':
      void model.setEco(!model.view().eco);
      return;
    case 'open':
      showWindow();
      return;
    case 'quit':
      app.quit();
      return;
  }
}

function toMenuItem(item: TrayMenuItem): MenuItemConstructorOptions {
  switch (item.kind) {
    case 'label':
      return { label: item.label, enabled: false };
    case 'separator':
      return { type: 'separator' };
    case 'action':
      return item.checked === undefined
        ? { label: item.label, enabled: item.enabled, click: () => runTrayAction(item.action) }
        : { label: item.label, enabled: item.enabled, type: 'checkbox', checked: item.checked, click: () => runTrayAction(item.action) };
  }
}

/** Tooltip on every change (cheap); icon and menu only when they change (a native menu rebuild is not). */
function renderTray(): void {
  if (!tray || tray.isDestroyed() || !trayModel) return;
  const view = trayModel.view();
  tray.setToolTip(lifecycle.phase === 'running' ? view.tooltip : `Shoebox — ${lifecycle.phase}`);
  const icon = trayIcon(view);
  if (icon.name !== trayIconName) {
    trayIconName = icon.name;
    tray.setImage(icon.image);
  }
  const items = trayMenuCache.next(trayMenu(view, lifecycle.phase));
  if (items) tray.setContextMenu(Menu.buildFromTemplate(items.map(toMenuItem)));
}

function createTray(): void {
  trayModel = new TrayModel(
    {
      pauseAll: async (reason) => void (await lifecycle.service?.ops.pause('all', reason)),
      resumeAll: async () => void (await lifecycle.service?.ops.resume('all')),
      pauseIntake: async () => {
        const engine = lifecycle.runningEngine;
        for (const lane of LANES) await engine?.lanes.queue(WORKER_CLASSES[0], lane).pause();
      },
      setEco: async (eco) => void (await lifecycle.setEco(eco)),
    },
    () => renderTray(),
  );
  const icon = trayIcon(trayModel.view());
  trayIconName = icon.name;
  tray = new Tray(icon.image);
  tray.on('click', () => showWindow());
  renderTray();
}

// ── the app menu: our own, no DevTools in a packaged app, no links to electronjs.org ──────────

function setLoginItem(openAtLogin: boolean): void {
  savePrefs({ openAtLogin });
  if (process.platform === 'linux') setLinuxAutostart(openAtLogin, process.execPath, process.env, os.homedir());
  else app.setLoginItemSettings({ openAtLogin, args: ['--hidden'] });
  buildAppMenu();
}

function isLoginItem(): boolean {
  return process.platform === 'linux' ? isLinuxAutostartOn(process.env, os.homedir()) : app.getLoginItemSettings().openAtLogin;
}

function buildAppMenu(): void {
  const mac = process.platform === 'darwin';
  const options: MenuItemConstructorOptions[] = [
    { label: 'Start at Login', type: 'checkbox', checked: isLoginItem(), click: (item) => setLoginItem(item.checked) },
    { label: 'Pause on Battery Power', type: 'checkbox', checked: prefs.pauseOnBattery, click: (item) => void setPauseOnBattery(item.checked) },
    { label: 'Notify When an Analysis Finishes', type: 'checkbox', checked: prefs.notifyWhenDone, click: (item) => savePrefs({ notifyWhenDone: item.checked }) },
    { label: 'Eco While I Use the Computer', type: 'checkbox', checked: prefs.ecoWhileActive, click: (item) => void setEcoWhileActive(item.checked) },
  ];
  const template: MenuItemConstructorOptions[] = [
    ...(mac
      ? [{ label: app.name, submenu: [{ role: 'about' }, { type: 'separator' }, ...options, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] } as MenuItemConstructorOptions]
      : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add Folders…', accelerator: 'CmdOrCtrl+O', click: () => void addFoldersFromMenu() },
        { type: 'separator' },
        { label: 'Open Library Folder', click: () => void shell.openPath(layout.dataDir) },
        { label: 'Open Log Folder', click: () => void shell.openPath(layout.logsDir) },
        { type: 'separator' },
        { role: 'close', label: 'Close Window (Shoebox keeps working)' },
        ...(mac ? [] : ([{ type: 'separator' }, ...options, { type: 'separator' }, { role: 'quit', label: 'Quit Shoebox' }] as MenuItemConstructorOptions[])),
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : ([{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[])),
      ],
    },
    {
      label: 'Library',
      submenu: [
        { label: 'Pause All', click: () => runTrayAction('pause-all') },
        { label: 'Resume All', click: () => runTrayAction('resume-all') },
        { label: 'Pause After Current Photos', click: () => runTrayAction('pause-after-current') },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Open Log Folder', click: () => void shell.openPath(layout.logsDir) },
        ...(mac ? [] : ([{ label: 'About Shoebox', click: () => app.showAboutPanel() }] as MenuItemConstructorOptions[])),
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

// ── power: battery pauses, shut-down ─────────────────────────────────────────────────────────

/** Fewer workers while the person is at the computer; the governor applies it at once and at each start. */
async function setEcoWhileActive(on: boolean): Promise<void> {
  savePrefs({ ecoWhileActive: on });
  await lifecycle.runningEngine?.governor?.setEcoWhileActive(on);
}

async function setPauseOnBattery(on: boolean): Promise<void> {
  savePrefs({ pauseOnBattery: on });
  await applyBatteryRule();
}

/** On battery with the preference on: pause everything; otherwise lift our own battery pause. */
async function applyBatteryRule(): Promise<void> {
  const engine = lifecycle.runningEngine;
  if (!engine) return;
  try {
    if (prefs.pauseOnBattery && powerMonitor.isOnBatteryPower()) {
      if (await pauseForBattery(engine)) log.info('on battery power: everything paused');
    } else if (await resumeFromBattery(engine)) log.info('on mains power: the battery pause is lifted');
  } catch (error) {
    log.error(`battery rule: ${(error as Error).message}`);
  }
}

// ── IPC ──────────────────────────────────────────────────────────────────────────────────────

/** Only our own window's top frame, showing our own page, may call the API. */
function isTrustedSender(event: IpcEventLike): boolean {
  const frame = (event as { senderFrame?: { url: string; parent: unknown } | null }).senderFrame;
  return !!window && !window.isDestroyed() && event.sender?.id === window.webContents.id && !!frame && frame.parent === null && frame.url.startsWith(`${APP_ORIGIN}/`);
}

function registerIpc(): void {
  registerIpcHandlers(ipcMain, lifecycle.handlers(), isTrustedSender, (m, e) => log.error(`api ${m}: ${(e as Error)?.stack ?? e}`));
  // "Open original" / "Show in folder" in the viewer: only for a photo of the library, by its id.
  ipcMain.handle('shell:photo', async (event, action: unknown, photoId: unknown) => {
    if (!isTrustedSender(event) || typeof photoId !== 'string' || (action !== 'open' && action !== 'reveal') || !lifecycle.runningEngine) return false;
    const photo = await lifecycle.runningEngine.store.photos.get(photoId);
    if (!photo) return false;
    if (action === 'reveal') shell.showItemInFolder(photo.path);
    else return (await shell.openPath(photo.path)) === '';
    return true;
  });
  forwardEvents(
    (listener) => lifecycle.subscribe(listener),
    () => (window && !window.isDestroyed() ? window.webContents : null),
  );
  // The native folder picker for the renderer's "Choose…" (the API's library.addFolders does the rest).
  ipcMain.handle('desktop:pickFolders', async (event) => (isTrustedSender(event) ? pickFolders() : []));
}

/** `shoebox://app/…` serves the built renderer, `shoebox://media/…` the cached thumbnails and previews. */
function registerProtocol(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return new Response('bad request', { status: 400 });
    }
    const engine = lifecycle.runningEngine;
    const file =
      url.host === 'app'
        ? resolveInside(layout.rendererDir, pathname === '/' ? 'index.html' : pathname)
        : url.host === 'media' && engine
          ? resolveMediaPath(engine.paths.cacheDir, pathname.replace(/^\/+/, ''))
          : null;
    if (!file || !fs.existsSync(file)) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

// ── start ────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.exit(0);
    return;
  }
  app.on('second-instance', () => showWindow());
  // No navigation, no new windows, no webviews, anywhere.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('before-quit', (event) => lifecycle.onBeforeQuit(event));
  // Keep running in the tray when the window closes.
  app.on('window-all-closed', () => undefined);
  // Ctrl-C on `npm start`, or a session manager's SIGTERM: the same clean stop as Quit.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void lifecycle.onSessionEnd());

  await app.whenReady();
  log.initialize();
  log.info(`Shoebox ${app.getVersion()} starting on ${layout.dataDir} (${app.isPackaged ? 'packaged' : 'from a checkout'})`);
  const prefsRead = readPrefs(layout.dataDir);
  prefs = prefsRead.prefs;
  if (prefsRead.warning) log.warn(prefsRead.warning);
  app.setAboutPanelOptions({ applicationName: 'Shoebox', applicationVersion: app.getVersion(), copyright: 'Copyright © Shoebox contributors' });
  buildAppMenu();
  registerProtocol();
  registerIpc();
  app.on('activate', () => showWindow());
  powerMonitor.on('on-battery', () => void applyBatteryRule());
  powerMonitor.on('on-ac', () => void applyBatteryRule());
  // Linux/macOS shut-down: delay it while the engine stops (Electron's documented preventDefault).
  (powerMonitor as unknown as NodeJS.EventEmitter).on('shutdown', (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    void lifecycle.onSessionEnd();
  });

  lifecycle.subscribe((event: AnyEvent) => {
    trayModel?.handle(event);
    activity.handle(event);
  });
  // The window and the tray come first; the engine starts behind them.
  createTray();
  window = createWindow();
  await lifecycle.launch();
  if (lifecycle.phase === 'running') await applyBatteryRule();
  else activity.reset();
}

void main().catch((error: unknown) => {
  log.error(`Shoebox failed: ${(error as Error)?.stack ?? error}`);
  dialog.showErrorBox('Shoebox failed', String((error as Error)?.message ?? error));
  app.exit(1);
});
