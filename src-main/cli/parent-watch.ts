import { isProcessAlive } from '../engine/process-utils.js';

/**
 * Calls `onGone` once when the process that started this one exits (`npx shoebox serve` stopped by
 * signalling npx: npm exits and would leave the engine orphaned, holding its redis-server and port).
 * Node's `process.ppid` is read once at start, so the original parent is polled with signal 0.
 * Nothing is watched when the parent is already init (pid 1: a daemon, nohup, a container's entry).
 */
export function watchParent(onGone: () => void, intervalMs = 1000, parentPid = process.ppid): () => void {
  if (!parentPid || parentPid <= 1) return () => undefined;
  const timer = setInterval(() => {
    if (isProcessAlive(parentPid)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
