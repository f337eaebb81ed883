/**
 * An export's rate and time left, from the recent completion rate (issue 16). Pure: the store hands in
 * the times its items finished; the CLI and the Queues view show the answer.
 *
 * The rate is the last ETA_WINDOW completions over the time they took, counted from the completion just
 * before them (or from when the export last started running, so a pause never counts as slowness), up
 * to now (so a stall shows as a slowing rate, not a frozen one). Completions older than ETA_MAX_AGE_MS
 * say little about the current rate and are left out.
 */

/** How many of the latest completions set the rate. */
export const ETA_WINDOW = 20;
/** Completions older than this are left out. */
export const ETA_MAX_AGE_MS = 10 * 60_000;
/** Fewer completions than this since the export (re)started: no estimate yet. */
export const ETA_MIN_COMPLETIONS = 2;

export interface EtaInput {
  /** Epoch ms when items finished (done or failed), in any order; at least ETA_WINDOW + 1 of the latest suffice. */
  completedAt: readonly number[];
  pending: number;
  /** Epoch ms the export was created or last resumed. */
  runningSince: number;
  now: number;
}

export interface EtaEstimate {
  perMinute: number;
  etaSeconds: number;
}

export function exportEta(input: EtaInput): EtaEstimate | null {
  const { pending, runningSince, now } = input;
  if (pending <= 0) return null;
  const floor = Math.max(runningSince, now - ETA_MAX_AGE_MS);
  // Another process's clock may run slightly ahead: a completion "in the future" is now.
  const since = input.completedAt.map((t) => Math.min(t, now)).filter((t) => t >= floor).sort((a, b) => b - a);
  const recent = since.slice(0, ETA_WINDOW);
  if (recent.length < ETA_MIN_COMPLETIONS) return null;
  const start = since.length > ETA_WINDOW ? since[ETA_WINDOW]! : floor;
  const elapsedMs = Math.max(now - start, 1);
  const perMs = recent.length / elapsedMs;
  return { perMinute: perMs * 60_000, etaSeconds: pending / perMs / 1000 };
}
