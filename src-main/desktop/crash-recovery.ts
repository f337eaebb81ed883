/**
 * What to do when the window's renderer process dies (a GPU driver fault, out of memory, a
 * crash): reload it, unless it keeps dying, in which case a reload loop helps nobody and the
 * person is told instead. A clean exit (the window closed) is not a crash.
 */
export class RendererCrashPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly maxCrashes = 3,
    private readonly windowMs = 60_000,
  ) {}

  onGone(reason: string, now = Date.now()): 'ignore' | 'reload' | 'give-up' {
    if (reason === 'clean-exit') return 'ignore';
    this.crashes = [...this.crashes.filter((t) => now - t < this.windowMs), now];
    return this.crashes.length > this.maxCrashes ? 'give-up' : 'reload';
  }

  /** The person asked for a new try (e.g. "Reload" in the dialog). */
  reset(): void {
    this.crashes = [];
  }
}
