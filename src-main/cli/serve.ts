import { createApiService } from '../engine/api/service.js';
import { startApiServer } from '../engine/api/http-server.js';
import { rendererDir } from '../engine/api/paths.js';
import { loadConfig } from '../../src-core/config.js';
import { Engine } from '../engine/engine.js';
import fs from 'node:fs';
import { EngineFile, writeEngineFile } from '../engine/engine-file.js';
import { onInterrupt, STOPPING_MESSAGE } from './interrupt.js';
import { flagsOf, type EngineOptions } from './options.js';
import { openInBrowser } from './open-browser.js';
import { watchParent } from './parent-watch.js';

export interface ServeOptions extends EngineOptions {
  port?: number;
  /** Open the UI in the default browser once it listens. */
  open?: boolean;
}

/**
 * `shoebox serve`: start the engine and its HTTP + WebSocket API on 127.0.0.1, and keep them up
 * until Ctrl-C (a second Ctrl-C forces). The first line on stdout is the URL to open, token
 * included, so scripts can read it; the same URL and token go into the library's engine.json.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const config = loadConfig(flagsOf(options));
  const engine = await Engine.start(config);
  let server;
  const api = createApiService(engine);
  try {
    server = await startApiServer({
      handlers: api.handlers,
      subscribe: (listener) => api.hub.subscribe(listener),
      onClientConnected: () => api.hub.resend(),
      cacheDir: engine.paths.cacheDir,
      rendererDir: rendererDir(),
      port: options.port,
      log: engine.log,
    });
  } catch (error) {
    await api.close();
    await engine.stop();
    throw error;
  }
  // Engine.start wrote engine.json without HTTP; add where other local tools can find this server.
  let startedAt = new Date().toISOString();
  try {
    startedAt = EngineFile.parse(JSON.parse(fs.readFileSync(engine.paths.engineFile, 'utf8'))).startedAt;
  } catch {
    // written just now by Engine.start; a fresh timestamp will do
  }
  writeEngineFile(engine.paths.engineFile, {
    pid: process.pid,
    startedAt,
    redis: engine.endpoint,
    http: { url: server.url, token: server.token },
  });
  process.stdout.write(`${server.openUrl}\n`);
  process.stderr.write(`Shoebox engine running on ${config.dataDir} (pid ${process.pid}). Open the URL above; Ctrl-C stops it.\n`);
  if (options.open) openInBrowser(server.openUrl, (error) => process.stderr.write(`Could not open a browser (${error}); open the URL above yourself.\n`));
  const open = server;
  await new Promise<void>((resolve) => {
    let stopWatching = (): void => undefined;
    const interrupts = onInterrupt({
      message: STOPPING_MESSAGE,
      stop: () =>
        void (async () => {
          stopWatching();
          await open.close().catch(() => undefined);
          await api.close().catch(() => undefined);
          await engine.stop();
          resolve();
        })(),
      force: () => void engine.stop({ force: true }).finally(() => process.exit(130)),
    });
    // `npx shoebox serve` stopped by signalling npx: npm exits without passing it on; stop with it.
    stopWatching = watchParent(() =>
      interrupts.interrupt('Stopping: the process that started this engine has exited (finishing the photos in hand)…\n'),
    );
  });
  return 0;
}
