import fs from 'node:fs';

export type ProcessClass = 'engine' | 'cpu' | 'ml' | 'interactive' | 'redis' | 'other';

export interface ProcSample {
  pid: number;
  cls: ProcessClass;
  rssMb: number;
  hwmMb: number;
}

function readStatus(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

function classify(pid: number, isRoot: boolean): ProcessClass {
  if (isRoot) return 'engine';
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('redis-server')) return 'redis';
    if (cmd.includes('src-worker/main')) {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      const m = /"role":"(cpu|ml|interactive)"/.exec(env);
      return (m?.[1] as ProcessClass | undefined) ?? 'other';
    }
  } catch {
    // gone
  }
  return 'other';
}

/**
 * Samples VmRSS / VmHWM of a process tree (the engine and its workers and redis-server) every
 * `intervalMs`; `peakByClass` is the largest single-process peak seen per class (VmHWM, which also
 * catches peaks between samples), `sumByClass` the largest sum of RSS over a class's processes.
 */
export class MemorySampler {
  private timer: NodeJS.Timeout | null = null;
  readonly peakByClass: Record<string, number> = {};
  readonly sumByClass: Record<string, number> = {};
  readonly pids = new Map<number, ProcessClass>();
  /** Largest single-process RSS per class since the last `takeWindow()` (RSS samples only: VmHWM is a lifetime peak). */
  private windowPeak: Record<string, number> = {};

  constructor(private readonly rootPid: number, private readonly intervalMs = 250) {}

  sample(): ProcSample[] {
    const samples: ProcSample[] = [];
    const walk = (pid: number, isRoot: boolean) => {
      const st = readStatus(pid);
      if (st) {
        let cls = this.pids.get(pid);
        if (!cls || cls === 'other') {
          cls = classify(pid, isRoot);
          this.pids.set(pid, cls);
        }
        samples.push({ pid, cls, rssMb: st.rss, hwmMb: st.hwm });
      }
      for (const child of childrenOf(pid)) walk(child, false);
    };
    walk(this.rootPid, true);
    const sums: Record<string, number> = {};
    for (const s of samples) {
      this.peakByClass[s.cls] = Math.max(this.peakByClass[s.cls] ?? 0, s.hwmMb, s.rssMb);
      this.windowPeak[s.cls] = Math.max(this.windowPeak[s.cls] ?? 0, s.rssMb);
      sums[s.cls] = (sums[s.cls] ?? 0) + s.rssMb;
    }
    for (const [cls, sum] of Object.entries(sums)) this.sumByClass[cls] = Math.max(this.sumByClass[cls] ?? 0, sum);
    return samples;
  }

  /** The per-class peak RSS (MB) sampled since the previous call, and a new window from now. */
  takeWindow(): Record<string, number> {
    const peak = this.windowPeak;
    this.windowPeak = {};
    return peak;
  }

  start(): this {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
