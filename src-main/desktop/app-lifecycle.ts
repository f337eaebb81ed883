import { ecoWorkerCounts } from '../engine/governor.js';
import { ApiError, METHODS, type AnyEvent } from '../../src-shared/api/contract.js';
import type { Handlers } from '../engine/api/dispatch.js';
import { createApiService, type ApiService } from '../engine/api/service.js';
import type { Engine } from '../engine/engine.js';

/** Where the engine inside the app is; the window and the tray show it. */
export type EnginePhase = 'starting' | 'running' | 'failed' | 'stopping' | 'stopped';

/**
 * The part of Electron the lifecycle drives, behind a small interface so that the lifecycle runs
 * (and is tested with a real engine) in plain Node. src-main/electron/main.ts implements it with
 * BrowserWindow, Tray, dialog and app.exit.
 */
export interface ShellSurface {
  /** Shows the window and the tray in this phase; called at launch (before the engine is ready) and on every change. */
  showPhase(phase: EnginePhase, detail: string | null): void;
  /** Tells the person the engine did not start and why; resolves with their choice. */
  askAfterStartFailure(reason: string): Promise<'retry' | 'quit'>;
  /** Ends the process at once (Electron's app.exit: no second before-quit). */
  exit(code: number): void;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
}

export interface LifecycleOptions {
  /** How long a quit waits for the jobs in hand (the engine's shutdownGraceMs when absent). */
  graceMs?: number;
  /** How long a log-off / shut-down waits: the OS kills the app after a few seconds. */
  sessionEndGraceMs?: number;
  /** How the app opens a folder for the person (Electron: shell.openPath); the platform's opener when absent. */
  openFolder?: (folder: string) => Promise<void>;
}

/** What a quit-like event lets the lifecycle do: hold the quit until the engine has stopped. */
export interface QuitEvent {
  preventDefault(): void;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The engine inside the desktop app, from launch to exit:
 * - the window and tray show at once, in phase "starting"; the engine starts behind them;
 * - a failed start is shown with its reason (retry or quit), and API calls answer with that reason;
 * - Quit during start-up waits for the start to finish, then stops the engine gracefully (workers
 *   finish or hand back their jobs, redis-server saves and exits) before the process exits;
 * - a second Quit while stopping does not exit mid-stop; it is held like the first;
 * - log-off / shut-down stops with a short grace, since the OS will not wait long;
 * - eco mode resizes only the classes that have workers (0 ML workers stays 0).
 */
export class AppLifecycle {
  private phaseNow: EnginePhase = 'starting';
  private failure: string | null = null;
  private engine: Engine | null = null;
  private serviceNow: ApiService | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private quitRequested = false;
  private eco = false;
  private readonly listeners = new Set<(event: AnyEvent) => void>();
  private unsubscribeHub: (() => void) | null = null;

  constructor(
    private readonly shell: ShellSurface,
    private readonly startEngine: () => Promise<Engine>,
    private readonly options: LifecycleOptions = {},
  ) {}

  get phase(): EnginePhase {
    return this.phaseNow;
  }

  /** The running engine's API, or null while it starts, failed or stops. */
  get service(): ApiService | null {
    return this.serviceNow;
  }

  get runningEngine(): Engine | null {
    return this.engine;
  }

  private setPhase(phase: EnginePhase, detail: string | null = null): void {
    this.phaseNow = phase;
    this.shell.showPhase(phase, detail);
  }

  /** Shows the UI, then starts the engine; resolves when it runs, or when the person gave up on it. */
  launch(): Promise<void> {
    this.setPhase('starting');
    return this.start();
  }

  private start(): Promise<void> {
    this.starting = (async () => {
      try {
        const engine = await this.startEngine();
        try {
          this.serviceNow = createApiService(engine, { openFolder: this.options.openFolder });
        } catch (error) {
          await engine.stop().catch(() => undefined);
          throw error;
        }
        this.engine = engine;
        this.unsubscribeHub = this.serviceNow.hub.subscribe((event) => {
          for (const listener of this.listeners) listener(event);
        });
        this.failure = null;
        if (!this.quitRequested) {
          this.setPhase('running');
          if (this.eco) await this.applyEco();
        }
      } catch (error) {
        this.failure = errorText(error);
        this.shell.log.error(`engine failed to start: ${error instanceof Error ? error.stack ?? error.message : error}`);
        if (!this.quitRequested) this.setPhase('failed', this.failure);
      }
    })();
    const started = this.starting;
    return started.then(async () => {
      if (this.phaseNow !== 'failed' || this.quitRequested) return;
      const choice = await this.shell.askAfterStartFailure(this.failure!);
      if (this.quitRequested) return;
      if (choice === 'retry') {
        this.setPhase('starting');
        await this.start();
      } else {
        await this.requestQuit();
      }
    });
  }

  /** What an API call gets while there is no engine to answer it. */
  unavailable(): ApiError {
    switch (this.phaseNow) {
      case 'failed':
        return new ApiError('no-engine', `the engine did not start: ${this.failure}`);
      case 'stopping':
      case 'stopped':
        return new ApiError('no-engine', 'Shoebox is quitting');
      default:
        return new ApiError('no-engine', 'Shoebox is starting; try again in a moment');
    }
  }

  /** The API's handlers, each answered by whichever engine runs now (a retried start replaces it). */
  handlers(): Handlers {
    return Object.fromEntries(
      METHODS.map((method) => [
        method,
        async (request: unknown) => {
          const service = this.serviceNow;
          if (!service) throw this.unavailable();
          return (service.handlers[method] as (r: unknown) => Promise<unknown>)(request);
        },
      ]),
    ) as unknown as Handlers;
  }

  /** Engine events, across engine restarts. */
  subscribe(listener: (event: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** app 'before-quit': the first one stops the engine and then exits; any later one is held too. */
  onBeforeQuit(event: QuitEvent): void {
    event.preventDefault();
    if (this.stopping) {
      this.shell.log.info('quit requested again: still stopping the engine; Shoebox exits when it is done');
      return;
    }
    this.requestQuit();
  }

  /** Windows log-off or shut-down, or powerMonitor 'shutdown': stop with a short grace, then exit. */
  onSessionEnd(): Promise<void> {
    return this.requestQuit(this.options.sessionEndGraceMs ?? 2_000);
  }

  /** Stops the engine (after its start, if it is starting) and exits; the same promise for every caller. */
  requestQuit(graceMs = this.options.graceMs): Promise<void> {
    if (this.stopping) return this.stopping;
    this.quitRequested = true;
    this.stopping = (async () => {
      this.setPhase('stopping');
      this.shell.log.info('quitting: stopping the engine gracefully');
      // A start in progress is let finish, so that what it started (redis-server, workers) is stopped, not orphaned.
      await this.starting?.catch(() => undefined);
      await this.stopEngine(graceMs);
      this.setPhase('stopped');
      this.shell.exit(0);
    })();
    return this.stopping;
  }

  private async stopEngine(graceMs: number | undefined): Promise<void> {
    this.unsubscribeHub?.();
    this.unsubscribeHub = null;
    const service = this.serviceNow;
    const engine = this.engine;
    this.serviceNow = null;
    this.engine = null;
    await service?.close().catch((e) => this.shell.log.warn(`api close: ${errorText(e)}`));
    await engine?.stop(graceMs === undefined ? {} : { graceMs }).catch((e) => this.shell.log.error(`engine stop: ${errorText(e)}`));
  }

  /**
   * Eco mode: one worker per class that has workers, or the configured numbers again. A class
   * configured with 0 workers (a machine without ML workers) stays at 0. Never rejects: a failure is
   * logged and reported as false (the tray's menu item is a fire-and-forget click).
   */
  async setEco(eco: boolean): Promise<boolean> {
    this.eco = eco;
    if (!this.engine) return true; // applied when the engine is running
    return this.applyEco();
  }

  private async applyEco(): Promise<boolean> {
    const engine = this.engine;
    if (!engine) return true;
    try {
      // The governor owns the pool's size (it also shrinks it for CPU use and while the person works).
      if (engine.governor) {
        await engine.governor.setManualEco(this.eco);
        return true;
      }
      const targets = ecoWorkerCounts({ cpu: engine.config.cpuWorkers, ml: engine.config.mlWorkers }, this.eco);
      await Promise.all(
        (['cpu', 'ml'] as const).filter((role) => targets[role] > 0 && engine.pool.size(role) !== targets[role]).map((role) => engine.pool.resize(role, targets[role])),
      );
      return true;
    } catch (error) {
      this.shell.log.error(`eco mode ${this.eco ? 'on' : 'off'}: ${errorText(error)}`);
      return false;
    }
  }
}

export { ecoWorkerCounts };
