/**
 * Work run on an interval, one run at a time: a run still going when the next is due is not started
 * twice, and `stop` waits for the run in hand. `run` handles its own failures (it must not reject).
 * The resource governor, the ML boost and the metrics sampler each own one.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** A run now (the task's own, or `run` in its place), or the one already in hand. */
  tick(run: () => Promise<void> = this.run): Promise<void> {
    this.running ??= run().finally(() => (this.running = null));
    return this.running;
  }

  /** Resolves once the run in hand (if any) has finished. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Runs every `intervalMs` (and at once with `now`); the timer does not keep the process alive. */
  start(options: { now?: boolean } = {}): void {
    if (this.timer) return;
    if (options.now) void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
