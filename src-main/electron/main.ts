import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, net, protocol, shell, Tray } from 'electron';
import log from 'electron-log/main';
import { ApiError, METHODS, type AnyEvent } from '../../src-shared/api/contract.js';
import { LANES, WORKER_CLASSES } from '../../src-shared/lanes.js';
import type { Handlers } from '../engine/api/dispatch.js';
import { forwardEvents, registerIpcHandlers, type IpcEventLike } from '../engine/api/ipc.js';
import { packageRoot, rendererDir, resolveInside, resolveMediaPath } from '../engine/api/paths.js';
import { createApiService, type ApiService } from '../engine/api/service.js';
import { TrayModel, type TrayView } from '../engine/api/tray-model.js';
import { loadConfig, type EngineConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';

/**
 * The Electron shell, kept thin: one window, the tray, the preload bridge and the `shoebox://`
 * protocol. The engine runs in this process, the same class the CLI and `shoebox serve` run; the
 * API's handlers and events are the engine's (src-main/engine/api), only the transport is IPC.
 */

const SCHEME = 'shoebox';
const APP_ORIGIN = `${SCHEME}://app`;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = packageRoot(fileURLToPath(import.meta.url));
/** Packaged: resources/assets (extraResources); from a checkout: <repo>/assets. */
const assetsDir = app.isPackaged ? path.join(process.resourcesPath, 'assets') : path.join(root, 'assets');

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
let engine: Engine | null = null;
let service: ApiService | null = null;
let baseConfig: EngineConfig;
let quitting = false;
const listeners = new Set<(event: AnyEvent) => void>();
let unsubscribeHub: (() => void) | null = null;

/** Engine + API service; restartable (eco mode) without re-registering IPC or losing the window's listeners. */
async function startEngine(overrides: Partial<EngineConfig> = {}): Promise<void> {
  engine = await Engine.start({ ...baseConfig, ...overrides });
  service = createApiService(engine);
  unsubscribeHub = service.hub.subscribe((event) => {
    for (const listener of listeners) listener(event);
  });
}

async function stopEngine(): Promise<void> {
  unsubscribeHub?.();
  unsubscribeHub = null;
  await service?.close().catch((e) => log.warn(`api close: ${e}`));
  await engine?.stop().catch((e) => log.error(`engine stop: ${e}`));
  service = null;
  engine = null;
}

/** Only our own window's top frame, showing our own page, may call the API. */
function isTrustedSender(event: IpcEventLike): boolean {
  const frame = (event as { senderFrame?: { url: string; parent: unknown } | null }).senderFrame;
  return !!window && !window.isDestroyed() && event.sender?.id === window.webContents.id && !!frame && frame.parent === null && frame.url.startsWith(`${APP_ORIGIN}/`);
}

function registerIpc(): void {
  // The handlers of whichever engine runs now (eco mode restarts it), behind the one IPC module.
  const live = Object.fromEntries(
    METHODS.map((method) => [
      method,
      (request: unknown) => {
        if (!service) throw new ApiError('no-engine', 'the engine is restarting; try again in a moment');
        return (service.handlers[method] as (r: unknown) => Promise<unknown>)(request);
      },
    ]),
  ) as unknown as Handlers;
  registerIpcHandlers(ipcMain, live, isTrustedSender, (m, e) => log.error(`api ${m}: ${(e as Error)?.stack ?? e}`));
  // "Open original" / "Show in folder" in the viewer: only for a photo of the library, by its id.
  ipcMain.handle('shell:photo', async (event, action: unknown, photoId: unknown) => {
    if (!isTrustedSender(event) || typeof photoId !== 'string' || (action !== 'open' && action !== 'reveal') || !engine) return false;
    const photo = await engine.store.getPhoto(photoId);
    if (!photo) return false;
    if (action === 'reveal') shell.showItemInFolder(photo.path);
    else return (await shell.openPath(photo.path)) === '';
    return true;
  });
  forwardEvents(
    (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    () => (window && !window.isDestroyed() ? window.webContents : null),
  );
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
    const file =
      url.host === 'app'
        ? resolveInside(rendererDir(root), pathname === '/' ? 'index.html' : pathname)
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

function createWindow(): void {
  if (window && !window.isDestroyed()) {
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 760,
    minHeight: 520,
    title: 'Shoebox',
    icon: path.join(assetsDir, 'icon.png'),
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
  window.once('ready-to-show', () => window?.show());
  // Closing the window keeps the ingest running in the tray; Quit (tray or app menu) stops it.
  window.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      window?.hide();
    }
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

function trayIcon(view: TrayView) {
  const name = view.state === 'paused' || view.state === 'pausing' ? 'tray-paused.png' : view.state === 'running' ? 'tray-running.png' : 'tray-idle.png';
  const image = nativeImage.createFromPath(path.join(assetsDir, name));
  return image.isEmpty() ? nativeImage.createFromPath(path.join(assetsDir, 'icon.png')).resize({ width: 16, height: 16 }) : image;
}

function createTray(): TrayModel {
  const model = new TrayModel(
    {
      pauseAll: async (reason) => void (await service?.ops.pause('all', reason)),
      resumeAll: async () => void (await service?.ops.resume('all')),
      pauseIntake: async () => {
        for (const lane of LANES) await engine?.lanes.queue(WORKER_CLASSES[0], lane).pause();
      },
      setEco: async (eco) => {
        // Live: the pool starts or drains workers (a drained worker finishes its jobs first); no engine restart.
        const pool = engine?.pool;
        if (!pool) return;
        await Promise.all([
          pool.resize('cpu', eco ? 1 : baseConfig.cpuWorkers),
          pool.resize('ml', eco ? 1 : baseConfig.mlWorkers),
        ]);
      },
    },
    (view) => render(view),
  );
  tray = new Tray(trayIcon(model.view()));
  const render = (view: TrayView) => {
    if (!tray || tray.isDestroyed()) return;
    tray.setToolTip(view.tooltip);
    tray.setImage(trayIcon(view));
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: view.tooltip, enabled: false },
        { type: 'separator' },
        view.allPaused ? { label: 'Resume all', click: () => void model.resumeAll() } : { label: 'Pause all', click: () => void model.pauseAll() },
        { label: 'Pause after current photos', enabled: !view.allPaused && view.state !== 'pausing', click: () => void model.pauseAfterCurrent() },
        { label: 'Eco mode (fewer workers)', type: 'checkbox', checked: view.eco, click: (item) => void model.setEco(item.checked) },
        { type: 'separator' },
        { label: 'Open Shoebox', click: () => createWindow() },
        { label: 'Quit Shoebox', click: () => app.quit() },
      ]),
    );
  };
  tray.on('click', () => createWindow());
  render(model.view());
  listeners.add((event) => model.handle(event));
  return model;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => createWindow());
  // No navigation, no new windows, no webviews, anywhere.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  await app.whenReady();
  baseConfig = loadConfig({ data: app.getPath('userData') });
  log.transports.file.resolvePathFn = () => path.join(baseConfig.dataDir, 'logs', 'electron.log');
  log.initialize();
  log.info(`Shoebox ${app.getVersion()} starting on ${baseConfig.dataDir}`);
  registerProtocol();
  registerIpc();
  try {
    await startEngine();
  } catch (error) {
    log.error(`engine failed to start: ${(error as Error)?.stack ?? error}`);
  }
  createTray();
  createWindow();
  app.on('activate', () => createWindow());
  // Keep running in the tray when the window closes.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    log.info('quitting: stopping the engine gracefully');
    void stopEngine().finally(() => {
      tray?.destroy();
      app.exit(0);
    });
  });
}

void main();
