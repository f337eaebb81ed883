import fs from 'node:fs';
import os from 'node:os';

/**
 * Lowers this process's CPU priority so bulk analysis yields the cores to the person's desktop and
 * to the interactive worker (a photo someone is waiting for).
 *
 * On Linux a nice value belongs to a thread: setpriority(pid) changes only the main thread, and
 * threads inherit the value of the thread that creates them. Node starts some threads (V8's
 * platform workers, perhaps libuv's pool) before this runs, so every thread already in
 * /proc/self/task is lowered too; the threads created later (libuv's pool, libvips, onnxruntime)
 * inherit it. On macOS and Windows the call sets the whole process's priority.
 *
 * Returns what happened, for the worker's log; never throws (a priority is a preference).
 */
export function lowerProcessPriority(niceness: number): string {
  if (niceness <= 0) return 'normal priority';
  let failed = 0;
  const set = (id: number): void => {
    try {
      // Only ever raising niceness (lowering priority), which needs no privilege.
      if (os.getPriority(id) < niceness) os.setPriority(id, niceness);
    } catch {
      failed++;
    }
  };
  set(0);
  let threads = 1;
  if (process.platform === 'linux') {
    try {
      const tids = fs.readdirSync('/proc/self/task').map(Number).filter((tid) => Number.isInteger(tid) && tid !== process.pid);
      for (const tid of tids) set(tid);
      threads += tids.length;
    } catch {
      // /proc not mounted: the main thread (and the threads it creates from now on) is enough.
    }
  }
  return failed === 0 ? `niceness ${niceness} on ${threads} thread(s)` : `niceness ${niceness}: ${failed} of ${threads} thread(s) refused`;
}
