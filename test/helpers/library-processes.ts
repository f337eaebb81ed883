/**
 * The processes that still belong to a library, found from the kernel's view (/proc), not from pid
 * files: the redis-server bound to the library's unix socket, and the worker processes launched for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { libraryPaths } from '../../src-core/paths.js';

export interface LibraryProcess {
  pid: number;
  what: string;
  /** A worker's role from its launch config (cpu, ml, interactive); absent for redis-server. */
  role?: string;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => pid !== process.pid);
}

/** The unix socket the library's redis-server listens on, from its config (null: none written yet). */
export function librarySocketPath(dataDir: string): string | null {
  const conf = read(path.join(libraryPaths(dataDir).redisDir, 'redis.conf'));
  const match = conf && /^unixsocket "([^"]+)"$/m.exec(conf);
  return match ? match[1]! : null;
}

/** Inodes of the unix sockets bound to `socketPath` (from /proc/net/unix). */
function socketInodes(socketPath: string): Set<string> {
  const inodes = new Set<string>();
  for (const line of (read('/proc/net/unix') ?? '').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[7] === socketPath) inodes.add(fields[6]!);
  }
  return inodes;
}

function holdsSocket(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/**
 * Live processes of the library in `dataDir`: anything holding (or named after) its Redis socket, and
 * every worker whose launch config (its environment) points into the library. Zombies are not counted.
 */
export function libraryProcesses(dataDir: string): LibraryProcess[] {
  const socketPath = librarySocketPath(dataDir);
  const inodes = socketPath ? socketInodes(socketPath) : new Set<string>();
  const out: LibraryProcess[] = [];
  for (const pid of allPids()) {
    const status = read(`/proc/${pid}/status`);
    if (!status || /^State:\s+Z/m.test(status)) continue;
    const cmdline = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim();
    if (socketPath && (cmdline.includes(socketPath) || (/redis-server/.test(cmdline) && holdsSocket(pid, inodes)))) {
      out.push({ pid, what: `redis-server of the library: ${cmdline}` });
      continue;
    }
    const environ = read(`/proc/${pid}/environ`);
    const config = environ?.split('\0').find((v) => v.startsWith('SHOEBOX_WORKER_CONFIG='));
    if (config && config.includes(JSON.stringify(libraryPaths(dataDir).cacheDir).slice(1, -1))) {
      const role = /"role":"([a-z]+)"/.exec(config)?.[1];
      out.push({ pid, what: `worker of the library: ${cmdline}`, ...(role ? { role } : {}) });
    }
  }
  return out;
}
