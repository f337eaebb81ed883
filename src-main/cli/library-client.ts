import fs from 'node:fs';
import { loadConfig, storeLocation, type ConfigFlags, type EngineConfig } from '../../src-core/config.js';
import { readRunningEngine } from '../engine/engine-file.js';
import { LibraryOperations, OperationError } from '../engine/operations.js';
import { libraryPaths } from '../../src-core/paths.js';
import { Lanes } from '../../src-core/queues.js';
import { openStore } from '../../src-core/store/open-store.js';
import type { Store } from '../../src-core/store/store.js';

/**
 * A CLI command's view of a library: the store always, and the running engine's Redis when an
 * engine runs on that library folder (found through its engine.json).
 */
export class LibraryClient {
  private constructor(
    readonly config: EngineConfig,
    readonly store: Store,
    readonly lanes: Lanes | null,
    readonly ops: LibraryOperations,
  ) {}

  static async open(flags: ConfigFlags): Promise<LibraryClient> {
    const config = loadConfig(flags);
    const paths = libraryPaths(config.dataDir);
    const running = readRunningEngine(paths.engineFile);
    const store = await openStore(storeLocation(config));
    const lanes = running ? new Lanes(running.redis, config) : null;
    return new LibraryClient(config, store, lanes, new LibraryOperations(store, lanes, config.dataDir, running?.pid ?? null));
  }

  async close(): Promise<void> {
    await this.lanes?.close();
    await this.store.close();
  }

  /**
   * Runs `fn` on a library that must exist already (a command that reads or corrects analysis results,
   * not one that creates a library): a missing SQLite library is a clear "analyse a folder first".
   */
  static async withExisting<T>(flags: ConfigFlags, fn: (client: LibraryClient) => Promise<T>): Promise<T> {
    const config = loadConfig(flags);
    if (config.store.kind === 'sqlite' && !fs.existsSync(libraryPaths(config.dataDir).sqlite)) {
      throw new OperationError(`no library at ${config.dataDir} yet: analyse a folder first ("shoebox analyze <folder>")`, 'not-found');
    }
    const client = await LibraryClient.open(flags);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }
}
