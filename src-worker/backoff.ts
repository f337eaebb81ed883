/**
 * Exponential backoff with full jitter, capped: attempt n waits a random time in
 * [base·2^(n-1) / 2, base·2^(n-1)], never more than the cap. Jitter keeps many photos that failed
 * together (a disk hiccup) from retrying in lockstep.
 */
export function cappedJitterDelay(attemptsMade: number, baseMs: number, capMs: number, random = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
