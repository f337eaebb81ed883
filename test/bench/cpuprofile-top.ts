/**
 * Issue 19's profile: the top self-time entries of the V8 CPU profiles that worker processes wrote
 * with SHOEBOX_WORKER_CPU_PROF_DIR (see src-main/engine/worker-pool.ts), per process class:
 *   SHOEBOX_WORKER_CPU_PROF_DIR=/tmp/prof shoebox analyze <folder>
 *   node dist/test/bench/cpuprofile-top.js /tmp/prof [--top 12]
 * <dir>/<slot id>/*.cpuprofile: the slot id's prefix (cpu, ml, interactive) is the class; a file of
 * another thread than the main one (Node names files CPU.<date>.<time>.<pid>.<thread>.<seq>) is its
 * own row group ("ml thread 1": the object detector's thread).
 *
 * A V8 profile sees JavaScript and the native functions JavaScript calls synchronously (the
 * onnxruntime binding's run, TF.js-wasm); work that a library hands to libuv's thread pool (every
 * sharp pipeline) runs off the JS thread and shows as "(idle)". Pair it with `perf` for native code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const CallFrame = z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() });
const CpuProfile = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: CallFrame })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
  startTime: z.number(),
  endTime: z.number(),
});
type CpuProfile = z.infer<typeof CpuProfile>;

export interface SelfEntry {
  /** "function (file:line)" with the file relative to node_modules' package or the repository. */
  name: string;
  ms: number;
}

export interface ProfileGroup {
  /** "cpu", "ml", "ml thread 1", "interactive"… */
  group: string;
  files: number;
  /** Wall time the profiles cover, ms (summed over the group's files). */
  wallMs: number;
  /** Time on the thread that was not idle/GC-free waiting, ms. */
  busyMs: number;
  idleMs: number;
  gcMs: number;
  top: SelfEntry[];
}

/** Short, stable location: "pkg/file.js" inside node_modules, "src-worker/…" inside the repository. */
function where(url: string, line: number): string {
  if (!url) return '';
  const p = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = p.lastIndexOf('node_modules/');
  let short = nm >= 0 ? p.slice(nm + 'node_modules/'.length) : p;
  const dist = short.indexOf('/dist/');
  if (nm < 0 && dist >= 0) short = short.slice(dist + '/dist/'.length);
  return `${short}:${line + 1}`;
}

/** Self time per call frame (function + location), ms, summed over a profile's samples. */
export function selfTimes(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const out = new Map<string, number>();
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the next delta.
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]!);
    if (!frame) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const loc = where(frame.url, frame.lineNumber);
    const key = `${frame.functionName || '(anonymous)'}${loc ? ` (${loc})` : ''}`;
    out.set(key, (out.get(key) ?? 0) + us / 1000);
  }
  return out;
}

function groupOf(slotDir: string, file: string): string {
  const role = slotDir.replace(/-\d+$/, '');
  const m = /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file);
  const thread = m ? Number(m[1]) : 0;
  return thread === 0 ? role : `${role} thread ${thread}`;
}

/** Reads every profile under dir/<slot>/ and sums them per group, the `top` largest self times first. */
export function summariseProfiles(dir: string, top = 12): ProfileGroup[] {
  if (!fs.existsSync(dir)) throw new Error(`no profile folder at ${dir}`);
  const groups = new Map<string, { files: number; wallMs: number; self: Map<string, number> }>();
  for (const slot of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!slot.isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(dir, slot.name))) {
      if (!file.endsWith('.cpuprofile')) continue;
      const full = path.join(dir, slot.name, file);
      let profile: CpuProfile;
      try {
        profile = CpuProfile.parse(JSON.parse(fs.readFileSync(full, 'utf8')));
      } catch (err) {
        throw new Error(`${full} is not a V8 CPU profile: ${err instanceof Error ? err.message : String(err)}`);
      }
      const name = groupOf(slot.name, file);
      const g = groups.get(name) ?? { files: 0, wallMs: 0, self: new Map<string, number>() };
      g.files++;
      g.wallMs += (profile.endTime - profile.startTime) / 1000;
      for (const [k, ms] of selfTimes(profile)) g.self.set(k, (g.self.get(k) ?? 0) + ms);
      groups.set(name, g);
    }
  }
  if (groups.size === 0) throw new Error(`no .cpuprofile files under ${dir}/<slot id>/`);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, g]) => {
      const idleMs = g.self.get('(idle)') ?? 0;
      const gcMs = g.self.get('(garbage collector)') ?? 0;
      const busyMs = [...g.self.entries()].filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
      const entries = [...g.self.entries()]
        .filter(([k]) => k !== '(idle)')
        .map(([name, ms]) => ({ name, ms }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, top);
      return { group, files: g.files, wallMs: g.wallMs, busyMs, idleMs, gcMs, top: entries };
    });
}

/** Markdown: one table per group, self ms and share of the group's busy (non-idle) time. */
export function profileTable(groups: ProfileGroup[]): string {
  const lines: string[] = [];
  for (const g of groups) {
    const pct = (ms: number) => `${((100 * ms) / Math.max(1, g.wallMs)).toFixed(1)} %`;
    lines.push(
      `**${g.group}** (${g.files} profile${g.files === 1 ? '' : 's'}, ${(g.wallMs / 1000).toFixed(1)} s: JS thread busy ${pct(g.busyMs)}, idle ${pct(g.idleMs)})`,
      '',
      '| self time | of wall | function (file:line) |',
      '|---:|---:|---|',
      ...g.top.map((e) => `| ${Math.round(e.ms)} ms | ${pct(e.ms)} | \`${e.name.replace(/\|/g, '\\|')}\` |`),
      '',
    );
  }
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '12' }, json: { type: 'boolean', default: false } } });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: cpuprofile-top <profile folder> [--top N] [--json]');
  const groups = summariseProfiles(path.resolve(dir), Number(values.top));
  console.log(values.json ? JSON.stringify(groups, null, 2) : profileTable(groups));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && !process.env.NODE_TEST_CONTEXT) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
