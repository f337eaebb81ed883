import { createApiService } from '../engine/api/service.js';
import { startApiServer } from '../engine/api/http-server.js';
import { rendererDir } from '../engine/api/paths.js';
import { loadConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import fs from 'node:fs';
import { EngineFile, writeEngineFile } from '../engine/engine-file.js';
import { flagsOf, type AnalyzeOptions } from './main.js';
import { openInBrowser } from './open-browser.js';
import { watchParent } from './parent-watch.js';

export interface ServeOptions extends AnalyzeOptions {
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
  const open = server;
  if (options.open) openInBrowser(server.openUrl, (error) => process.stderr.write(`Could not open a browser (${error}); open the URL above yourself.\n`));
  await new Promise<void>((resolve) => {
    let interrupts = 0;
    const onSignal = (why: 'signal' | 'parent-gone' = 'signal') => {
      interrupts++;
      if (interrupts === 1) {
        stopWatching();
        process.stderr.write(
          why === 'parent-gone'
            ? 'Stopping: the process that started this engine has exited (finishing the photos in hand)…\n'
            : 'Stopping: finishing the photos in hand (Ctrl-C again to force)…\n',
        );
        void (async () => {
          await open.close().catch(() => undefined);
          await api.close().catch(() => undefined);
          await engine.stop();
          resolve();
        })();
      } else void engine.stop({ force: true }).finally(() => process.exit(130));
    };
    process.on('SIGINT', () => onSignal());
    process.on('SIGTERM', () => onSignal());
    process.on('SIGHUP', () => onSignal());
    // `npx shoebox serve` stopped by signalling npx: npm exits without passing it on; stop with it.
    const stopWatching = watchParent(() => onSignal('parent-gone'));
  });
  return 0;
}
