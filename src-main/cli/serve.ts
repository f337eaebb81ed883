import { loadConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { flagsOf, type AnalyzeOptions } from './main.js';

export interface ServeOptions extends AnalyzeOptions {
  port?: number;
}

/** `shoebox serve`: start the engine and keep it up until Ctrl-C (a second Ctrl-C forces). */
export async function serve(options: ServeOptions): Promise<number> {
  const config = loadConfig(flagsOf(options));
  const engine = await Engine.start(config);
  process.stdout.write(`Shoebox engine running on ${config.dataDir} (pid ${process.pid}). Ctrl-C stops it.\n`);
  await new Promise<void>((resolve) => {
    let interrupts = 0;
    const onSignal = () => {
      interrupts++;
      if (interrupts === 1) {
        process.stderr.write('Stopping: finishing the photos in hand (Ctrl-C again to force)…\n');
        void engine.stop().then(resolve);
      } else void engine.stop({ force: true }).finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}

