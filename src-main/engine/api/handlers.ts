import fs from 'node:fs';
import path from 'node:path';
import { ApiError, CAUSE_LABELS, type FailedGroup, type FailedItem, type IngestInfo, type PhotoSummary, type SettingsDto } from '../../../src-shared/api/contract.js';
import type { IngestRecord, IngestTotals } from '../../../src-shared/ingest.js';
import type { PhotoDetail, PhotoRecord } from '../../../src-shared/photo.js';
import { parseStoreUrl, readSavedSettings, SavedSettings, writeSavedSettings, type EngineConfig } from '../config.js';
import type { Engine } from '../engine.js';
import type { IngestProgress } from '../ingest/ingest-runner.js';
import type { LibraryOperations } from '../operations.js';
import { endpointFromUrl } from '../redis/endpoint.js';
import type { Store } from '../store/store.js';
import type { Handlers } from './dispatch.js';

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
  const [ingest] = await store.listIngests(1);
  return ingest ? toIngestInfo(ingest, await store.ingestTotals(ingest.id)) : null;
}

function summaryOf(record: PhotoRecord, detail: PhotoDetail | null): PhotoSummary {
  const stages = detail?.stages ?? [];
  const meta = detail?.metadata ?? null;
  // "Canon" + "Canon EOS 40D" reads as "Canon EOS 40D".
  const camera = meta?.model ? (meta.make && !meta.model.toLowerCase().startsWith(meta.make.split(' ')[0]!.toLowerCase()) ? `${meta.make} ${meta.model}` : meta.model) : (meta?.make ?? null);
  return {
    id: record.id,
    path: record.path,
    state: record.state,
    revision: record.revision,
    thumbnail: detail?.derivatives?.thumbnailPath ?? null,
    stagesDone: stages.filter((s) => s.state === 'done' || s.state === 'skipped').length,
    failedStage: record.failedStage,
    errorCode: record.errorCode,
    error: record.error,
    takenAt: meta?.takenAt ?? null,
    camera,
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
export function createHandlers(engine: HandlerEngine, ops: LibraryOperations, ingests = new BackgroundIngests(engine)): Handlers {
  const store = engine.store;
  return {
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
      const photo = await store.getPhoto(photoId);
      if (!photo) throw new ApiError('not-found', `no photo "${photoId}" in the library`);
      // The same path as `shoebox analyze --now`: a forced re-analysis through high_priority.
      ingests.start([photo.path], { lane: 'high_priority', force: true });
      return { ok: true };
    },

    'photos.list': async ({ state, ingestId, limit, offset }) => {
      const records = await store.listPhotos({ state, ingestId, limit, offset });
      const photos: PhotoSummary[] = [];
      for (const record of records) photos.push(summaryOf(record, await store.getPhotoDetail(record.id)));
      let total: number;
      if (ingestId) total = (await store.ingestTotals(ingestId)).photos;
      else {
        const counts = await store.countPhotosByState();
        total = state ? counts[state] : Object.values(counts).reduce((a, b) => a + b, 0);
      }
      return { photos, total, offset };
    },

    'photos.get': async ({ photoId }) => (await ops.inspect(photoId)) as never,

    'status.get': async () => {
      const status = await ops.status();
      return {
        dataDir: status.dataDir,
        lanes: status.lanes,
        pauses: status.pauses,
        workers: engine.pool.statuses(),
        photos: status.photos,
        lastIngest: status.lastIngest ? toIngestInfo(status.lastIngest, status.lastIngest.totals) : null,
      };
    },

    'lanes.counts': async () => engine.lanes.counts(),
    'workers.list': async () => engine.pool.statuses(),

    'failed.list': async ({ limit, offset }) => {
      const entries = await ops.failed(limit, offset);
      const groups = new Map<string, FailedGroup>();
      for (const entry of entries) {
        const detail = await store.getPhotoDetail(entry.photoId);
        const item: FailedItem = {
          jobId: entry.jobId,
          photoId: entry.photoId,
          path: entry.path,
          stage: entry.stage,
          errorCode: entry.errorCode,
          error: entry.error,
          attempts: entry.attempts,
          failedAt: entry.failedAt,
          thumbnail: detail?.derivatives?.thumbnailPath ?? null,
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
  };
}

