import fs from 'node:fs';
import path from 'node:path';
import { ApiError, CAUSE_LABELS, type FailedGroup, type FailedItem, type IngestInfo, type PhotoSummary, type SettingsDto } from '../../../src-shared/api/contract.js';
import type { IngestRecord, IngestTotals } from '../../../src-shared/ingest.js';
import { parseStoreUrl, readSavedSettings, SavedSettings, writeSavedSettings, type EngineConfig } from '../../../src-core/config.js';
import type { Engine } from '../engine.js';
import type { IngestProgress } from '../ingest/ingest-runner.js';
import { photoIdFromJobId, type LibraryOperations } from '../operations.js';
import { endpointFromUrl } from '../../../src-core/redis-endpoint.js';
import type { PhotoListItem, Store } from '../../../src-core/store/store.js';
import type { Handlers } from './dispatch.js';
import { createPeopleHandlers } from './people-handlers.js';
import { createModelsHandlers } from './models-handlers.js';
import { createBrowseHandlers } from './browse-handlers.js';
import { presetHandlers } from './presets-handlers.js';
import { exportHandlers, type FolderOpener } from './exports-handlers.js';
import { maintenanceHandlers } from './maintenance-handlers.js';
import { labelHandlers } from './labels-handlers.js';
import { rotationHandlers } from './rotation-handlers.js';
import { createCullingHandlers, cullingLanes } from './culling-handlers.js';

/** What the handlers need from the engine (an interface, so tests can hand in a fake). */
export type HandlerEngine = Pick<Engine, 'store' | 'ingest' | 'config' | 'log'> & {
  pool: Pick<Engine['pool'], 'statuses'>;
  lanes: Pick<Engine['lanes'], 'counts'>;
};

/** Ingests started from the UI run in the background; the hub reports their progress. */
export class BackgroundIngests {
  private readonly running = new Map<symbol, { controller: AbortController; progress: IngestProgress | null }>();

  constructor(private readonly engine: HandlerEngine) {}

  start(roots: string[], options: { lane: 'default' | 'high_priority'; force?: boolean }): void {
    const key = Symbol('ingest');
    const entry = { controller: new AbortController(), progress: null as IngestProgress | null };
    this.running.set(key, entry);
    this.engine
      .ingest(roots, { ...options, signal: entry.controller.signal, onProgress: (p) => (entry.progress = p) })
      .catch((error) => this.engine.log.warn(`ingest of ${roots.join(', ')} failed: ${error}`))
      .finally(() => this.running.delete(key));
  }

  /** True while any UI-started ingest is still walking its folders. */
  get scanning(): boolean {
    return [...this.running.values()].some((e) => e.progress === null || e.progress.phase === 'scanning');
  }

  get count(): number {
    return this.running.size;
  }

  /** Stops following; the photos already queued stay queued (and are resumed by the next ingest or sweep). */
  abortAll(): void {
    for (const entry of this.running.values()) entry.controller.abort();
  }
}

export function toIngestInfo(record: IngestRecord, totals: IngestTotals): IngestInfo {
  return { id: record.id, roots: record.roots, state: record.state, startedAt: record.startedAt, finishedAt: record.finishedAt, totals };
}

export async function latestIngest(store: Store): Promise<IngestInfo | null> {
  const [ingest] = await store.ingests.list(1);
  return ingest ? toIngestInfo(ingest, await store.ingests.totals(ingest.id)) : null;
}

/** "Canon" + "Canon EOS 40D" reads as "Canon EOS 40D". */
function cameraLabel(make: string | null, model: string | null): string | null {
  if (!model) return make;
  return make && !model.toLowerCase().startsWith(make.split(' ')[0]!.toLowerCase()) ? `${make} ${model}` : model;
}

/** A grid tile from the store's one-query list item (no per-photo detail load). */
export function summaryOf(item: PhotoListItem): PhotoSummary {
  return {
    id: item.id,
    path: item.path,
    state: item.state,
    revision: item.revision,
    thumbnail: item.thumbnailPath,
    stagesDone: Object.values(item.stages).filter((s) => s === 'done' || s === 'skipped').length,
    failedStage: item.failedStage,
    errorCode: item.errorCode,
    error: item.error,
    takenAt: item.takenAt,
    camera: cameraLabel(item.make, item.model),
    quality: item.quality,
    faces: item.faces,
    tags: item.tags,
    rating: item.rating,
    label: item.label,
  };
}


function settingsDto(config: EngineConfig): SettingsDto {
  const saved = readSavedSettings(config.dataDir);
  return {
    dataDir: config.dataDir,
    saved,
    effective: {
      cpuWorkers: config.cpuWorkers,
      mlWorkers: config.mlWorkers,
      redisUrl: config.redisUrl ? config.redisUrl.replace(/\/\/([^@/]*)@/, '//***@') : null,
      store: config.store.kind === 'sqlite' ? 'sqlite' : 'postgres',
    },
  };
}

/**
 * The API's handlers, one per contract entry, built from a running engine and the library
 * operations (which hold the logic of retry, discard, pause…; nothing is duplicated here).
 */
/** What the host of the API brings (the Electron app opens folders its own way). */
export interface HandlerHost {
  openFolder?: FolderOpener;
}

export function createHandlers(engine: HandlerEngine, ops: LibraryOperations, ingests = new BackgroundIngests(engine), host: HandlerHost = {}): Handlers {
  const store = engine.store;
  return {
    ...createPeopleHandlers(engine),
    ...createModelsHandlers(engine),
    'library.addFolders': async ({ paths }) => {
      const accepted: string[] = [];
      for (const p of paths) {
        if (!path.isAbsolute(p)) throw new ApiError('bad-request', `"${p}" is not an absolute path`);
        const resolved = path.resolve(p);
        try {
          fs.statSync(resolved);
        } catch {
          throw new ApiError('not-found', `no such file or folder: ${resolved}`);
        }
        accepted.push(resolved);
      }
      ingests.start(accepted, { lane: 'default' });
      return { accepted };
    },

    'photos.analyseNow': async ({ photoId }) => {
      const photo = await store.photos.get(photoId);
      if (!photo) throw new ApiError('not-found', `no photo "${photoId}" in the library`);
      // The same path as `shoebox analyze --now`: a forced re-analysis through high_priority.
      ingests.start([photo.path], { lane: 'high_priority', force: true });
      return { ok: true };
    },

    'photos.list': async ({ limit, offset, ...filters }) => {
      // One query for the page, one for the count: the filters run in the store.
      const items = await store.photos.listItems({ ...filters, limit, offset });
      return { photos: items.map(summaryOf), total: await store.photos.count(filters), offset };
    },

    'photos.get': async ({ photoId }) => (await ops.inspect(photoId)) as never,

    'photos.similar': async ({ photoId, k }) => {
      if (!(await store.photos.get(photoId))) throw new ApiError('not-found', `no photo "${photoId}" in the library`);
      // The store's vector index (cosine distance over the embed vectors), then the tiles in one query.
      const hits = await store.photos.similar(photoId, k);
      const items = new Map((await store.photos.listItems({ ids: hits.map((h) => h.photoId), limit: k, offset: 0 })).map((i) => [i.id, i]));
      const photos = hits.flatMap((h) => {
        const item = items.get(h.photoId);
        return item ? [{ ...summaryOf(item), similarity: Math.round((1 - h.distance) * 1000) / 1000 }] : [];
      });
      const analysed = (await store.photos.getDetail(photoId))?.results.embed !== undefined;
      return { photos, note: analysed ? null : 'this photo has no embedding yet: similar photos appear once it is analysed' };
    },

    'status.get': async () => {
      const status = await ops.status();
      return {
        dataDir: status.dataDir,
        lanes: status.lanes,
        pauses: status.pauses,
        workers: engine.pool.statuses(),
        hosts: status.hosts,
        photos: status.photos,
        lastIngest: status.lastIngest ? toIngestInfo(status.lastIngest, status.lastIngest.totals) : null,
      };
    },

    'lanes.counts': async () => engine.lanes.counts(),
    'workers.list': async () => engine.pool.statuses(),

    'failed.list': async ({ limit, offset }) => {
      const entries = await ops.failed(limit, offset);
      // Thumbnails for the whole page in one query (a photo that failed after preprocess has one).
      const thumbs = new Map<string, string | null>();
      for (let i = 0; i < entries.length; i += 500) {
        const ids = entries.slice(i, i + 500).map((e) => e.photoId);
        for (const item of await store.photos.listItems({ ids, limit: 500, offset: 0 })) thumbs.set(item.id, item.thumbnailPath);
      }
      const groups = new Map<string, FailedGroup>();
      for (const entry of entries) {
        const item: FailedItem = {
          jobId: entry.jobId,
          photoId: entry.photoId,
          path: entry.path,
          stage: entry.stage,
          errorCode: entry.errorCode,
          error: entry.error,
          attempts: entry.attempts,
          failedAt: entry.failedAt,
          thumbnail: thumbs.get(entry.photoId) ?? null,
        };
        const group = groups.get(entry.errorCode) ?? { code: entry.errorCode, label: CAUSE_LABELS[entry.errorCode] ?? entry.errorCode, count: 0, items: [] };
        group.items.push(item);
        group.count++;
        groups.set(entry.errorCode, group);
      }
      const sorted = [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
      return { groups: sorted, total: entries.length };
    },

    'jobs.retry': async ({ target }) => ({ retried: await ops.retry(target) }),
    'jobs.retryGroup': async ({ code }) => {
      const failed = (await ops.failed(1_000_000, 0)).filter((f) => f.errorCode === code);
      let retried = 0;
      for (const entry of failed) retried += await ops.retry(entry.jobId).catch(() => 0);
      return { retried };
    },
    'jobs.retryAll': async () => ({ retried: await ops.retry({ all: true }) }),
    'jobs.discard': async ({ target }) => {
      await ops.discard(target);
      return { ok: true };
    },
    'files.skip': async ({ target }) => {
      const photo = await store.photos.get(photoIdFromJobId(target));
      if (!photo) throw new ApiError('not-found', `no photo or job "${target}" in the library`);
      const reason = photo.errorCode ? `${photo.errorCode}${photo.error ? `: ${photo.error}` : ''}` : 'skipped by the user';
      await store.skips.add([{ path: photo.path, reason }]);
      // Out of the Failed list, and out of the queues if it was still waiting.
      if (photo.state === 'failed') await ops.discard(photo.id);
      else if (photo.state === 'queued' || photo.state === 'processing') await ops.cancel(photo.id).catch(() => 0);
      return { path: photo.path };
    },
    'files.unskip': async ({ path: file }) => {
      const removed = await store.skips.remove(file);
      // Undo: a photo that was set aside by the skip is analysed again.
      const photo = (await store.photos.getByPaths([file])).get(file);
      if (removed && photo?.state === 'cancelled') await ops.retry(photo.id).catch((error) => engine.log.warn(`unskip ${file}: ${error}`));
      return { removed };
    },
    'files.skipped': async ({ limit, offset }) => ({ paths: await store.skips.list(limit, offset) }),
    'jobs.cancel': async ({ target }) => ({ cancelled: await ops.cancel(target) }),
    'lanes.pause': async ({ scope, reason }) => {
      await ops.pause(scope, reason);
      return { ok: true };
    },
    'lanes.resume': async ({ scope }) => {
      await ops.resume(scope);
      return { ok: true };
    },
    'lanes.purge': async ({ lane }) => ({ removed: await ops.purge(lane) }),
    ...presetHandlers(engine),
    ...exportHandlers(engine, host.openFolder),
    ...maintenanceHandlers(engine),
    ...labelHandlers(engine),
    ...rotationHandlers(engine, ingests),

    'settings.get': async () => settingsDto(engine.config),
    'settings.set': async (patch) => {
      const next: Record<string, unknown> = { ...readSavedSettings(engine.config.dataDir) };
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        if (value === null || value === '') delete next[key];
        else next[key] = value;
      }
      if (typeof next.redisUrl === 'string') {
        try {
          endpointFromUrl(next.redisUrl);
        } catch (error) {
          throw new ApiError('bad-request', `redisUrl: ${(error as Error).message}`);
        }
      }
      if (typeof next.store === 'string') parseStoreUrl(next.store); // ConfigError → bad-request
      const parsed = SavedSettings.safeParse(next);
      if (!parsed.success) throw new ApiError('bad-request', parsed.error.issues[0]?.message ?? 'invalid settings');
      writeSavedSettings(engine.config.dataDir, parsed.data);
      return { settings: settingsDto(engine.config), restartRequired: true };
    },
    ...createBrowseHandlers(engine, ingests),
    ...createCullingHandlers(store, cullingLanes(engine.lanes)),
  };
}

