import net from 'node:net';

/** Whether a process exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Ends whatever a worker left behind in its process group (a worker is forked as a group leader, so
 * the group is the worker and what it started). A worker that exits cleanly ends its children itself;
 * one killed with SIGKILL cannot, and exiftool's `-stay_open` Perl process would live on, reading a
 * closed pipe forever. No-op where there are no process groups (Windows) or nothing is left.
 */
export function killProcessGroup(leaderPid: number | undefined): void {
  if (!leaderPid || process.platform === 'win32') return;
  try {
    process.kill(-leaderPid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already empty.
  }
}
