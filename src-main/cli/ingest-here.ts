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
import { LibraryClient } from './library-client.js';

export interface IngestHereOptions extends Pick<IngestOptions, 'lane' | 'force' | 'onProgress' | 'signal'> {
  /** Told the engine this command started (null: the work went to a running one), for a forced stop. */
  onEngine?: (engine: Engine) => void;
}

export async function ingestHere(roots: string[], flags: ConfigFlags, options: IngestHereOptions): Promise<IngestSummary> {
  const config = loadConfig(flags);
  const { onEngine, ...ingest } = options;
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
  onEngine?.(engine);
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
