/**
 * libvips keeps its error text in one process-wide buffer, and every sharp pipeline that finishes
 * clears it: with decodes in flight side by side, a failing one can lose its words (sharp then says
 * "Unknown error" or nothing). Decodes run `shared`, side by side; one that lost its words runs again
 * `alone` — after those in flight have finished, before new ones start — so the words it gets are its
 * own. A damaged file fails the same way every time; only its message was at risk.
 */
export class ExclusiveRetryGate {
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private exclusive: Promise<void> | null = null;
  private alonePhase = false;

  /** True while work given to `alone` is running (nothing else runs through the gate). */
  get runningAlone(): boolean {
    return this.alonePhase;
  }

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    this.inFlight++;
    try {
      return await work();
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  async alone<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise((resolve) => (release = resolve));
    try {
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = null;
      this.alonePhase = true;
      return await work();
    } finally {
      this.alonePhase = false;
      this.exclusive = null;
      release();
    }
  }
}
