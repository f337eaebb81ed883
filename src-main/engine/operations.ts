import path from 'node:path';
import { listHosts, type HostView } from '../../src-core/host-registry.js';
import { isLane, LANES, type Lane } from '../../src-shared/lanes.js';
import { JOB_STAGES } from '../../src-shared/stages.js';
import { photoJobId, type PhotoJobData } from '../../src-shared/jobs.js';
import type { PhotoDetail } from '../../src-shared/photo.js';
import type { IngestRecord, IngestTotals } from '../../src-shared/ingest.js';
import type { LaneCounts, Lanes } from '../../src-core/queues.js';
import type { FailedPhoto, PauseRecord, Store, WorkerStatus } from '../../src-core/store/store.js';
import { nextJobFor } from './sweep.js';
import { withMetadataExtra } from '../../src-core/store/repos/metadata-extra-repo.js';
import { maintenanceStatus, type MaintenanceRun } from '../../src-core/store/repos/maintenance-repo.js';
import { allModelStatuses } from '../../src-core/store/repos/vector-models-repo.js';
import type { VectorModelStatus } from '../../src-shared/vector-models.js';

export class OperationError extends Error {
  override name = 'OperationError';
  constructor(
    message: string,
    readonly kind: 'not-found' | 'no-engine' | 'invalid' = 'invalid',
  ) {
    super(message);
  }
}

export interface LibraryStatus {
  dataDir: string;
  engine: { running: boolean; pid: number | null };
  lanes: Record<Lane, LaneCounts> | null;
  pauses: PauseRecord[];
  workers: WorkerStatus[];
  /** Every machine serving the queues, from the shared Redis (needs a running engine's lanes). */
  hosts: HostView[];
  photos: Record<string, number>;
  lastIngest: (IngestRecord & { totals: IngestTotals }) | null;
  /** Issue 18: each maintenance task's last run, and how many photos' files are missing. */
  maintenance: { runs: MaintenanceRun[]; missingPhotos: number };
  /** Issue 17: the active descriptor model and a running upgrade's progress. */
  models: VectorModelStatus[];
}

export interface FailedEntry extends FailedPhoto {
  jobId: string;
}

/** Parses "photo_cpu-<photoId>-r<revision>" (or a bare photo id) into the photo id. */
export function photoIdFromJobId(value: string): string {
  const match = /^photo_(?:cpu|ml)-([A-Za-z0-9]+)-r\d+$/.exec(value);
  return match ? match[1]! : value;
}

/**
 * What a person can do to a library, in one place: the CLI commands and the API handlers call
 * these. Reads need only the store; actions on queues need the running engine's lanes.
 */
export class LibraryOperations {
  constructor(
    private readonly store: Store,
    private readonly lanes: Lanes | null,
    private readonly dataDir: string,
    private readonly enginePid: number | null,
  ) {}

  private requireLanes(): Lanes {
    if (!this.lanes) throw new OperationError(`no engine is running on ${this.dataDir}; start one with "shoebox serve --data ${this.dataDir}"`, 'no-engine');
    return this.lanes;
  }

  async status(): Promise<LibraryStatus> {
    const [ingest] = await this.store.ingests.list(1);
    return {
      dataDir: this.dataDir,
      engine: { running: this.enginePid !== null, pid: this.enginePid },
      lanes: this.lanes ? await this.lanes.counts() : null,
      pauses: await this.store.engineState.listPauses(),
      workers: this.enginePid !== null ? await this.store.engineState.listWorkers() : [],
      hosts: this.lanes ? await listHosts(this.lanes.redis) : [],
      photos: await this.store.photos.countByState(),
      lastIngest: ingest ? { ...ingest, totals: await this.store.ingests.totals(ingest.id) } : null,
      maintenance: await maintenanceStatus(this.store.sql),
      models: await allModelStatuses(this.store.sql),
    };
  }

  async failed(limit = 1000, offset = 0): Promise<FailedEntry[]> {
    const rows = await this.store.photos.listFailed(limit, offset);
    return rows.map((row) => ({
      ...row,
      jobId: photoJobId(row.stage && JOB_STAGES.ml.includes(row.stage) ? 'photo.ml' : 'photo.cpu', { photoId: row.photoId, revision: row.revision, ingestId: null }),
    }));
  }

  async inspect(file: string): Promise<PhotoDetail> {
    const absolute = path.resolve(file);
    const known = await this.store.photos.getByPaths([absolute]);
    const record = known.get(absolute) ?? (await this.store.photos.get(file));
    if (!record) throw new OperationError(`${absolute} is not in the library`, 'not-found');
    // Issue 14: the metadata extras (capture-date source, labels, sidecar…) live in their own table.
    return withMetadataExtra(this.store.sql, (await this.store.photos.getDetail(record.id))!);
  }

  /** Removes a photo's jobs of this revision from Redis (running ones are left to finish). */
  private async removeJobs(photoId: string, revision: number): Promise<void> {
    const lanes = this.requireLanes();
    const data: PhotoJobData = { photoId, revision, ingestId: null };
    for (const name of ['photo.cpu', 'photo.ml'] as const) {
      const job = await lanes.findPhotoJob(name, data);
      if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
    }
  }

  /** Retries one failed photo (by job id or photo id), or every failed photo. Returns how many. */
  async retry(target: string | { all: true }): Promise<number> {
    const lanes = this.requireLanes();
    const ids = typeof target === 'string' ? [photoIdFromJobId(target)] : (await this.store.photos.listFailed(1_000_000, 0)).map((f) => f.photoId);
    const lane: Lane = typeof target === 'string' ? 'high_priority' : 'default';
    let retried = 0;
    for (const photoId of ids) {
      const before = await this.store.photos.get(photoId);
      if (!before) {
        if (typeof target === 'string') throw new OperationError(`no photo or job "${target}" in the library`, 'not-found');
        continue;
      }
      await this.removeJobs(photoId, before.revision);
      const record = await this.store.photos.requeue(photoId);
      if (!record) {
        if (typeof target === 'string') throw new OperationError(`"${target}" is ${before.state}, not failed or cancelled`, 'invalid');
        continue;
      }
      const detail = (await this.store.photos.getDetail(photoId))!;
      const stages = Object.fromEntries(detail.stages.map((s) => [s.stage, s.state]));
      const name = nextJobFor({ id: photoId, revision: record.revision, ingestId: record.ingestId, state: record.state, stages });
      await lanes.addPhotoJobs([{ name, lane, data: { photoId, revision: record.revision, ingestId: record.ingestId } }]);
      retried++;
    }
    return retried;
  }

  async discard(target: string): Promise<void> {
    const photoId = photoIdFromJobId(target);
    const photo = await this.store.photos.get(photoId);
    if (!photo) throw new OperationError(`no photo or job "${target}" in the library`, 'not-found');
    await this.removeJobs(photoId, photo.revision);
    if (!(await this.store.photos.discardFailed(photoId))) throw new OperationError(`"${target}" is ${photo.state}, not failed`, 'invalid');
  }

  async pause(scope: Lane | 'all', reason = 'paused by the user'): Promise<void> {
    const lanes = this.requireLanes();
    await this.store.engineState.setPause({ scope, by: 'user', reason, at: new Date().toISOString() });
    await lanes.pause(scope === 'all' ? LANES : [scope]);
  }

  async resume(scope: Lane | 'all'): Promise<void> {
    const lanes = this.requireLanes();
    if (scope === 'all') {
      for (const pause of await this.store.engineState.listPauses()) await this.store.engineState.clearPause(pause.scope);
      await lanes.resume(LANES);
      return;
    }
    await this.store.engineState.clearPause(scope);
    const everything = (await this.store.engineState.listPauses()).some((p) => p.scope === 'all');
    if (!everything) await lanes.resume([scope]);
  }

  /** Empties a lane's waiting and delayed jobs. Unfinished photos are queued again by the sweep. */
  async purge(lane: string): Promise<number> {
    if (!isLane(lane)) throw new OperationError(`unknown lane "${lane}"; lanes are ${LANES.join(', ')}`, 'invalid');
    return this.requireLanes().purge(lane);
  }

  /** Cancels a whole ingest (by its id), or one photo (by job id or photo id). Returns the photos cancelled. */
  async cancel(target: string): Promise<number> {
    this.requireLanes();
    const ingest = await this.store.ingests.get(target);
    const photoIds = ingest ? await this.store.ingests.cancel(target) : await this.store.photos.cancel([photoIdFromJobId(target)]);
    if (!ingest && photoIds.length === 0) {
      const photo = await this.store.photos.get(photoIdFromJobId(target));
      if (!photo) throw new OperationError(`no ingest, photo or job "${target}"`, 'not-found');
      throw new OperationError(`"${target}" is ${photo.state}: nothing to cancel`, 'invalid');
    }
    for (const photoId of photoIds) {
      const photo = await this.store.photos.get(photoId);
      if (photo) await this.removeJobs(photoId, photo.revision);
    }
    return photoIds.length;
  }
}
