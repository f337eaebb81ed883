import type { AllLaneCounts, AnyEvent } from '../../../src-shared/api/contract.js';
import { LANES } from '../../../src-shared/lanes.js';

export type TrayState = 'running' | 'paused' | 'pausing' | 'idle';

export interface TrayView {
  state: TrayState;
  remaining: number;
  tooltip: string;
  allPaused: boolean;
  eco: boolean;
  /** Why the system paused work (the resource governor, the battery), or null: the tray says so. */
  systemPause: string | null;
}

/** What the tray needs from the engine: the same operations as the API, and the CPU queues. */
export interface TrayActions {
  pauseAll(reason: string): Promise<void>;
  resumeAll(): Promise<void>;
  /** Pauses intake only (the CPU queues of every lane), so photos already past it can finish. */
  pauseIntake(): Promise<void>;
  /** Resizes the worker pool live: one worker per class (eco) or the configured number (WorkerPool.resize). */
  setEco(eco: boolean): Promise<void>;
}

/**
 * The tray's logic, outside Electron so it is tested in plain Node: it follows the API's events,
 * says what the tooltip shows (state and photos left), and carries out the menu's actions.
 * "Pause after current photos" pauses intake first and pauses everything once no photo is left
 * in flight, so no photo is left half-analysed.
 */
export class TrayModel {
  private lanes: AllLaneCounts | null = null;
  private remaining = 0;
  private draining = false;
  private eco = false;
  private systemPause: string | null = null;

  constructor(
    private readonly actions: TrayActions,
    private readonly onChange: (view: TrayView) => void,
  ) {}

  handle(event: AnyEvent): void {
    if (event.event === 'lanes.counts') {
      this.lanes = event.payload.lanes;
      if (this.draining && this.inFlight() === 0) {
        this.draining = false;
        void this.actions.pauseAll('paused after the current photos');
      }
    } else if (event.event === 'lanes.pauses') {
      // The governor pauses lane by lane with one reason; the battery pauses everything: either is "the system".
      this.systemPause = event.payload.pauses.find((p) => p.by === 'system')?.reason ?? null;
    } else if (event.event === 'ingest.totals') {
      this.remaining = (event.payload.photos.queued ?? 0) + (event.payload.photos.processing ?? 0);
    } else return;
    this.onChange(this.view());
  }

  private inFlight(): number {
    if (!this.lanes) return 0;
    // Intake is paused, so what is still waiting (ML jobs of photos already past the CPU stages) is "current".
    return LANES.reduce((sum, lane) => sum + this.lanes![lane].active + this.lanes![lane].waiting + this.lanes![lane].prioritized, 0);
  }

  view(): TrayView {
    const allPaused = this.lanes !== null && LANES.every((lane) => this.lanes![lane].isPaused);
    const busy = this.lanes !== null && LANES.some((lane) => this.lanes![lane].active + this.lanes![lane].waiting + this.lanes![lane].prioritized > 0);
    const state: TrayState = this.draining ? 'pausing' : allPaused ? 'paused' : busy || this.remaining > 0 ? 'running' : 'idle';
    const left = this.remaining > 0 ? ` · ${this.remaining.toLocaleString('en')} photo${this.remaining === 1 ? '' : 's'} to go` : '';
    const system = this.systemPause ? ` · paused by the system: ${this.systemPause}` : '';
    return {
      state,
      remaining: this.remaining,
      allPaused,
      eco: this.eco,
      systemPause: this.systemPause,
      tooltip: `Shoebox — ${state}${left}${this.eco ? ' · eco mode' : ''}${system}`,
    };
  }

  async pauseAll(): Promise<void> {
    this.draining = false;
    await this.actions.pauseAll('paused from the tray');
    this.onChange(this.view());
  }

  async resumeAll(): Promise<void> {
    this.draining = false;
    await this.actions.resumeAll();
    this.onChange(this.view());
  }

  async pauseAfterCurrent(): Promise<void> {
    this.draining = true;
    await this.actions.pauseIntake();
    this.onChange(this.view());
  }

  async setEco(eco: boolean): Promise<void> {
    this.eco = eco;
    await this.actions.setEco(eco);
    this.onChange(this.view());
  }
}
