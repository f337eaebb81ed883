import path from 'node:path';
import type { AllLaneCounts, AnyEvent, IngestInfo } from '../../src-shared/api/contract.js';
import { LANES } from '../../src-shared/lanes.js';

export interface IngestFinishedNotice {
  ingestId: string;
  title: string;
  body: string;
}

export interface ActivityEffects {
  /** Keep the machine from sleeping (Electron's powerSaveBlocker 'prevent-app-suspension') or let it. */
  keepAwake(on: boolean): void;
  /** An ingest this app watched has finished: tell the person (a system notification). */
  ingestFinished(notice: IngestFinishedNotice): void;
}

const TERMINAL: ReadonlySet<IngestInfo['state']> = new Set(['done', 'cancelled', 'interrupted']);

/**
 * Follows the engine's events and says what the desktop does about them: keep the machine awake
 * while photos are being analysed (not while everything is paused or idle), and notify once when
 * an ingest that was seen running finishes. An ingest already finished when the app starts, or one
 * the person cancelled, brings no notification. Each effect is called only when it changes.
 */
export class DesktopActivity {
  private lanes: AllLaneCounts | null = null;
  private remaining = 0;
  private scanning = false;
  private awake = false;
  private readonly seenUnfinished = new Set<string>();

  constructor(private readonly effects: ActivityEffects) {}

  handle(event: AnyEvent): void {
    if (event.event === 'lanes.counts') {
      this.lanes = event.payload.lanes;
    } else if (event.event === 'ingest.totals') {
      this.remaining = (event.payload.photos.queued ?? 0) + (event.payload.photos.processing ?? 0);
      this.scanning = event.payload.scanning;
      this.followIngest(event.payload.ingest);
    } else return;
    this.updateAwake();
  }

  /** Everything stopped (engine stopping): let the machine sleep. */
  reset(): void {
    this.lanes = null;
    this.remaining = 0;
    this.scanning = false;
    this.updateAwake();
  }

  private followIngest(ingest: IngestInfo | null): void {
    if (!ingest) return;
    if (!TERMINAL.has(ingest.state)) {
      this.seenUnfinished.add(ingest.id);
      return;
    }
    if (!this.seenUnfinished.delete(ingest.id) || ingest.state !== 'done') return;
    const { completed, failed, skipped } = ingest.totals;
    const where = ingest.roots.length === 1 ? path.basename(ingest.roots[0]!) || ingest.roots[0]! : `${ingest.roots.length} folders`;
    const parts = [`${completed.toLocaleString('en')} photo${completed === 1 ? '' : 's'} analysed`];
    if (skipped > 0) parts.push(`${skipped.toLocaleString('en')} unchanged`);
    if (failed > 0) parts.push(`${failed.toLocaleString('en')} failed`);
    this.effects.ingestFinished({ ingestId: ingest.id, title: `Shoebox finished ${where}`, body: parts.join(', ') });
  }

  private updateAwake(): void {
    const allPaused = this.lanes !== null && LANES.every((lane) => this.lanes![lane].isPaused);
    const active = this.lanes !== null && LANES.some((lane) => this.lanes![lane].active > 0);
    const awake = !allPaused && (active || this.remaining > 0 || this.scanning);
    if (awake === this.awake) return;
    this.awake = awake;
    this.effects.keepAwake(awake);
  }
}
