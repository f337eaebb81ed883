/**
 * Whether this bulk worker process is held for the interactive worker (the pool's `hold-bulk` /
 * `release-bulk` messages: a person waits for a photo). BullMQ's pause only stops new jobs; a long job
 * already in hand (an export: decode, encode, metadata) also waits here between its heavy steps, so
 * the person's request gets the cores. A wait is bounded, so a lost release message costs seconds,
 * never a stuck job (its lock keeps being renewed meanwhile).
 */
let held = false;
const waiters = new Set<() => void>();

export function setBulkHeld(value: boolean): void {
  held = value;
  if (held) return;
  for (const wake of [...waiters]) wake();
}

export function bulkHeld(): boolean {
  return held;
}

/** Resolves at once when not held; else when released, or after `maxMs`. */
export function waitWhileBulkHeld(maxMs = 10_000): Promise<void> {
  if (!held) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      waiters.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, maxMs);
    waiters.add(wake);
  });
}
