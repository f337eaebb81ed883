/**
 * Runs an ingest from the CLI and follows it to the end: handed to the engine already running on the
 * library (the app, `serve`) when there is one, else on an engine of its own for the time it takes.
 * `analyze` and `rotate` (its re-analysis) both go through here.
 */
import { loadConfig, type ConfigFlags } from '../../src-core/config.js';
import { createFileLogger } from '../../src-core/logger.js';
import { libraryPaths } from '../../src-core/paths.js';
import { Engine } from '../engine/engine.js';
import { readRunningEngine } from '../engine/engine-file.js';
import { IngestRunner, type IngestOptions, type IngestSummary } from '../engine/ingest/ingest-runner.js';
import { onInterrupt, STOPPING_MESSAGE } from './interrupt.js';
import { LibraryClient } from './library-client.js';

export type IngestHereOptions = Pick<IngestOptions, 'lane' | 'force' | 'onProgress'>;

/**
 * Ctrl-C stops the ingest gracefully (the summary says `interrupted`); a second Ctrl-C forces the engine
 * this command started to stop at once and exits 130.
 */
export async function ingestHere(roots: string[], flags: ConfigFlags, options: IngestHereOptions): Promise<IngestSummary> {
  const controller = new AbortController();
  let engine: Engine | null = null;
  const stopListening = onInterrupt({
    message: `\n${STOPPING_MESSAGE}`,
    stop: () => controller.abort(),
    // (No engine of our own when the work was handed to a running one: just leave.)
    force: () => void (engine ? engine.stop({ force: true }) : Promise.resolve()).finally(() => process.exit(130)),
  });
  try {
    return await run(roots, flags, { ...options, signal: controller.signal }, (started) => (engine = started));
  } finally {
    stopListening();
  }
}

async function run(roots: string[], flags: ConfigFlags, ingest: IngestOptions, onEngine: (engine: Engine) => void): Promise<IngestSummary> {
  const config = loadConfig(flags);
  if (readRunningEngine(libraryPaths(config.dataDir).engineFile)) {
    // An engine (serve, the app) already runs on this library: hand it the work and follow it.
    const client = await LibraryClient.open(flags);
    try {
      const log = createFileLogger(libraryPaths(config.dataDir).logsDir, 'cli', 'warn');
      return await new IngestRunner(client.store, client.lanes!, log).run(roots, ingest);
    } finally {
      await client.close();
    }
  }
  // Nobody can ask this engine for a photo (no app, no API): no interactive worker.
  const engine = await Engine.start(loadConfig({ ...flags, standalone: true }));
  onEngine(engine);
  let summary: IngestSummary;
  try {
    summary = await engine.ingest(roots, ingest);
  } catch (error) {
    await engine.stop().catch(() => undefined);
    throw error;
  }
  await engine.stop();
  return summary;
}
