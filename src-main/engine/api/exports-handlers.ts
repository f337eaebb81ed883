/** The export calls of the API (issue 16, src-shared/api/exports-contract.ts). */
import { ApiError } from '../../../src-shared/api/contract.js';
import type { EXPORT_API } from '../../../src-shared/api/exports-contract.js';
import { createExport, ExportRequestError, queueExportJobs } from '../../../src-core/export/plan-export.js';
import { checkFolderToOpen, TargetFolderError } from '../../../src-core/export/target-folder.js';
import type { Lanes } from '../../../src-core/queues.js';
import { ExportsRepo } from '../../../src-core/store/repos/exports-repo.js';
import { openWithPlatform } from '../platform-opener.js';
import type { Handlers } from './dispatch.js';
import type { HandlerEngine } from './handlers.js';

type ExportHandlers = Pick<Handlers, keyof typeof EXPORT_API>;

/** Opens a folder in the person's file manager; rejects with the reason when it cannot. */
export type FolderOpener = (folder: string) => Promise<void>;

export const platformFolderOpener: FolderOpener = (folder) => openWithPlatform(folder, 'folder');

export function exportHandlers(engine: HandlerEngine, openFolder: FolderOpener = platformFolderOpener): ExportHandlers {
  const repo = new ExportsRepo(engine.store.sql);
  const lanesOrRefuse = (): Pick<Lanes, 'queue'> => {
    const lanes = engine.lanes as Partial<Pick<Lanes, 'queue'>>;
    if (!lanes.queue) throw new ApiError('no-engine', 'the engine is not running: no queue to export with');
    return lanes as Pick<Lanes, 'queue'>;
  };
  const queue = async (id: string): Promise<void> => {
    await queueExportJobs(lanesOrRefuse(), await repo.items(id, 'pending'));
  };
  const found = async (id: string) => {
    const e = await repo.get(id);
    if (!e) throw new ApiError('not-found', `no export "${id}"`);
    return e;
  };
  return {
    'exports.create': async ({ photoIds, targetDir, options }) => {
      lanesOrRefuse(); // before anything is stored
      let created;
      try {
        created = await createExport(repo, { photoIds, targetDir, options });
      } catch (err) {
        if (err instanceof ExportRequestError || err instanceof TargetFolderError) throw new ApiError('bad-request', err.message);
        throw err;
      }
      await queue(created.id);
      return created;
    },
    'exports.list': async () => ({ exports: await repo.list() }),
    'exports.get': ({ id }) => found(id),
    'exports.pause': async ({ id }) => {
      await found(id);
      return (await repo.setState(id, 'paused', 'paused by the person'))!;
    },
    'exports.resume': async ({ id }) => {
      const e = await found(id);
      if (e.state === 'cancelled') throw new ApiError('conflict', `export ${id} was cancelled`);
      lanesOrRefuse();
      await repo.setState(id, 'running');
      await queue(id);
      return found(id);
    },
    'exports.cancel': async ({ id }) => {
      await found(id);
      return (await repo.setState(id, 'cancelled', 'cancelled by the person'))!;
    },
    'exports.openFolder': async ({ id }) => {
      const e = await found(id);
      let folder: string;
      try {
        folder = await checkFolderToOpen(e.targetDir);
      } catch (err) {
        if (err instanceof TargetFolderError) throw new ApiError('conflict', err.message);
        throw err;
      }
      try {
        await openFolder(folder);
      } catch (err) {
        throw new ApiError('internal', `could not open ${folder}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return { folder };
    },
  };
}
