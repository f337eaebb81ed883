/**
 * `shoebox watch [folder] [--json]`: watch a folder (its new and changed photos are analysed on their
 * own while an engine runs), or list the watched folders and how each is watched.
 * `shoebox unwatch <folder>`. The list is in the store: a running engine picks a change up within seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, storeLocation } from '../../src-core/config.js';
import { libraryPaths } from '../../src-core/paths.js';
import { openStore } from '../../src-core/store/open-store.js';
import { WatchRepo, type WatchedFolder } from '../../src-core/store/repos/watch-repo.js';
import { OperationError } from '../engine/operations.js';
import { dataOption, flagsOf, jsonOption, UsageError, type CommonOptions } from './options.js';

async function withWatchRepo<T>(options: CommonOptions, create: boolean, fn: (repo: WatchRepo) => Promise<T>): Promise<T> {
  const config = loadConfig(flagsOf(options));
  if (!create && config.store.kind === 'sqlite' && !fs.existsSync(libraryPaths(config.dataDir).sqlite)) {
    throw new OperationError(`no library at ${config.dataDir} yet: analyse or watch a folder first`, 'not-found');
  }
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(storeLocation(config));
  try {
    return await fn(new WatchRepo(store.sql));
  } finally {
    await store.close();
  }
}

function formatList(folders: readonly WatchedFolder[]): string {
  if (folders.length === 0) return 'No folder is watched. Watch one with: shoebox watch <folder>';
  return folders.map((f) => `${f.path}  (${f.mode === 'events' ? 'file events' : `scanned periodically: ${f.note ?? ''}`}; since ${f.addedAt})`).join('\n');
}

export function registerWatchCommands(program: Command): void {
  program
    .command('watch')
    .description('watch a folder: its new and changed photos are analysed on their own while an engine runs (no folder: list them)')
    .argument('[folder]')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (folder: string | undefined, options: CommonOptions & { json?: boolean }) => {
      if (folder === undefined) {
        const folders = await withWatchRepo(options, false, (repo) => repo.list());
        process.stdout.write(options.json ? `${JSON.stringify(folders)}\n` : `${formatList(folders)}\n`);
        return;
      }
      const absolute = path.resolve(folder);
      if (!fs.statSync(absolute, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${absolute} is not a folder`);
      await withWatchRepo(options, true, (repo) => repo.add(absolute));
      process.stdout.write(options.json ? `${JSON.stringify({ watching: absolute })}\n` : `watching ${absolute} (new and changed photos are analysed while an engine runs)\n`);
    });
  program
    .command('unwatch')
    .description('stop watching a folder (its photos stay in the library)')
    .argument('<folder>')
    .addOption(dataOption())
    .action(async (folder: string, options: CommonOptions) => {
      const absolute = path.resolve(folder);
      const removed = await withWatchRepo(options, false, (repo) => repo.remove(absolute));
      if (!removed) throw new OperationError(`${absolute} is not watched`, 'not-found');
      process.stdout.write(`stopped watching ${absolute}\n`);
    });
}
