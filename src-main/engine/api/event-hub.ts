import { QueueEvents } from 'bullmq';
import type { AnyEvent, EventName, EventPayload, PhotoProgressUpdate } from '../../../src-shared/api/contract.js';
import { isLane } from '../../../src-shared/lanes.js';
import type { Stage, StageState } from '../../../src-shared/stages.js';
import type { Engine } from '../engine.js';
import { photoIdFromJobId } from '../operations.js';
import { QUEUE_PREFIX } from '../../../src-core/queues.js';
import { redisOptions } from '../../../src-core/redis-endpoint.js';
import type { WorkerStatus } from '../../../src-core/store/store.js';
import { latestIngest, type BackgroundIngests } from './handlers.js';

export interface HubTimings {
  /** Lane counts, ingest totals and pauses are polled this often. */
  pollMs: number;
  /** Per-photo progress is coalesced (last update per photo wins) and sent this often. */
  progressMs: number;
  /** Worker state changes are sent at most this often. */
  workersMs: number;
}

const DEFAULT_TIMINGS: HubTimings = { pollMs: 1000, progressMs: 250, workersMs: 500 };
/** A flush never carries more photos than this; the rest waits for the next tick (the store is the truth). */
const MAX_UPDATES_PER_FLUSH = 2000;

type Listener = (event: AnyEvent) => void;

/**
 * Turns what happens in the engine into the contract's pushed events, throttled so a 30k-photo
 * ingest cannot flood a window: per-photo progress is coalesced per photo and flushed every 250 ms;
 * lane counts, ingest totals and pauses are polled about once a second and sent when they change;
 * worker states at most twice a second.
 */
export class EventHub {
  private readonly listeners = new Set<Listener>();
  private readonly queueEvents: QueueEvents[] = [];
  private readonly pendingProgress = new Map<string, PhotoProgressUpdate>();
  private readonly timers: NodeJS.Timeout[] = [];
  private finished = { cpu: 0, ml: 0 };
  private workersDirty = false;
  private lastTotals = '';
  private lastPauses = '';
  private polling = false;
  private closed = false;
  private readonly onStatus = () => {
    this.workersDirty = true;
  };

  constructor(
    private readonly engine: Pick<Engine, 'lanes' | 'store' | 'pool' | 'endpoint' | 'log'>,
    private readonly ingests: BackgroundIngests | null = null,
    private readonly timings: HubTimings = DEFAULT_TIMINGS,
  ) {}

  start(): void {
    for (const queue of this.engine.lanes.allQueues()) {
      const events = new QueueEvents(queue.name, { connection: redisOptions(this.engine.endpoint), prefix: QUEUE_PREFIX });
      events.on('error', (error) => this.engine.log.warn(`queue events ${queue.name}: ${error}`));
      const workerClass = queue.name.startsWith('ml-') ? 'ml' : 'cpu';
      events.on('progress', ({ data }) => {
        const progress = data as { photoId?: unknown; stage?: unknown; state?: unknown } | null;
        if (!progress || typeof progress.photoId !== 'string') return;
        this.addProgress({ photoId: progress.photoId, stage: progress.stage as Stage, stageState: progress.state as StageState });
      });
      events.on('active', ({ jobId }) => {
        if (jobId.startsWith('photo_cpu-')) this.addProgress({ photoId: photoIdFromJobId(jobId), state: 'processing' });
      });
      events.on('completed', ({ jobId }) => {
        this.finished[workerClass]++;
        if (jobId.startsWith('photo_ml-')) this.addProgress({ photoId: photoIdFromJobId(jobId), state: 'done' });
      });
      events.on('failed', ({ jobId }) => {
        if (jobId.startsWith('photo_')) this.addProgress({ photoId: photoIdFromJobId(jobId), state: 'failed' });
      });
      this.queueEvents.push(events);
    }
    this.engine.pool.on('status', this.onStatus);
    this.timers.push(setInterval(() => this.flushProgress(), this.timings.progressMs));
    this.timers.push(setInterval(() => this.flushWorkers(), this.timings.workersMs));
    this.timers.push(setInterval(() => void this.poll(), this.timings.pollMs));
    for (const timer of this.timers) timer.unref();
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const message = { event, payload } as AnyEvent;
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.engine.log.warn(`event listener failed: ${error}`);
      }
    }
  }

  private addProgress(update: PhotoProgressUpdate): void {
    const previous = this.pendingProgress.get(update.photoId);
    this.pendingProgress.set(update.photoId, { ...previous, ...update });
  }

  private flushProgress(): void {
    if (this.pendingProgress.size === 0) return;
    const updates: PhotoProgressUpdate[] = [];
    for (const [photoId, update] of this.pendingProgress) {
      updates.push(update);
      this.pendingProgress.delete(photoId);
      if (updates.length >= MAX_UPDATES_PER_FLUSH) break;
    }
    if (this.listeners.size > 0) this.emit('photos.progress', { updates });
  }

  private flushWorkers(): void {
    if (!this.workersDirty) return;
    this.workersDirty = false;
    this.emit('workers.state', { workers: this.engine.pool.statuses() as WorkerStatus[] });
  }

  /** Polls what has no event of its own; sends only what changed (lane counts always: they feed the chart). */
  private async poll(): Promise<void> {
    if (this.polling || this.closed || this.listeners.size === 0) return;
    this.polling = true;
    try {
      const lanes = await this.engine.lanes.counts();
      const finished = this.finished;
      this.finished = { cpu: 0, ml: 0 };
      this.emit('lanes.counts', { at: Date.now(), lanes, finished });

      const photos = await this.engine.store.photos.countByState();
      const ingest = await latestIngest(this.engine.store);
      const totals = { photos, ingest, scanning: this.ingests?.scanning ?? false };
      const key = JSON.stringify(totals);
      if (key !== this.lastTotals) {
        this.lastTotals = key;
        this.emit('ingest.totals', totals);
      }
      const pauses = (await this.engine.store.engineState.listPauses()).filter((p) => p.scope === 'all' || isLane(p.scope));
      const pausesKey = JSON.stringify(pauses);
      if (pausesKey !== this.lastPauses) {
        this.lastPauses = pausesKey;
        this.emit('lanes.pauses', { pauses });
      }
    } catch (error) {
      if (!this.closed) this.engine.log.warn(`event poll failed: ${error}`);
    } finally {
      this.polling = false;
    }
  }

  /** Forces the next poll to send totals and pauses even if unchanged (a new subscriber wants them). */
  resend(): void {
    this.lastTotals = '';
    this.lastPauses = '';
    this.workersDirty = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.engine.pool.off('status', this.onStatus);
    this.listeners.clear();
    await Promise.all(this.queueEvents.map((events) => events.close().catch(() => undefined)));
  }
}
