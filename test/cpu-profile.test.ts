/**
 * Issue 19's profiling: SHOEBOX_WORKER_CPU_PROF_DIR turns on `--cpu-prof` for worker processes (one
 * folder per slot), and cpuprofile-top sums the profiles' self time per process class. Real V8
 * profiles, written by a real `node --cpu-prof` child.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { profilingArgs } from '../src-main/engine/worker-pool.js';
import { profileTable, summariseProfiles } from './bench/cpuprofile-top.js';

/** Runs a node child under the same flags the pool adds, spinning in a function with a known name. */
function profiledChild(dir: string, slotId: string): void {
  const script = 'function spinForProfile(){let s=0;const end=Date.now()+300;while(Date.now()<end)s+=Math.sqrt(s+1);return s}spinForProfile()';
  execFileSync(process.execPath, [...profilingArgs(slotId, { SHOEBOX_WORKER_CPU_PROF_DIR: dir }), '-e', script]);
}

describe('worker CPU profiles (issue 19)', () => {
  it('adds --cpu-prof with a folder per slot only when SHOEBOX_WORKER_CPU_PROF_DIR is set', () => {
    assert.deepEqual(profilingArgs('cpu-0', {}), []);
    assert.deepEqual(profilingArgs('cpu-0', { SHOEBOX_WORKER_CPU_PROF_DIR: '  ' }), []);
    assert.deepEqual(profilingArgs('ml-1', { SHOEBOX_WORKER_CPU_PROF_DIR: 'prof' }), ['--cpu-prof', `--cpu-prof-dir=${path.resolve('prof', 'ml-1')}`]);
  });

  it('sums the self time of real profiles per process class, the busiest function first', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-prof-'));
    try {
      profiledChild(dir, 'cpu-0');
      profiledChild(dir, 'cpu-1');
      profiledChild(dir, 'ml-0');
      const groups = summariseProfiles(dir, 5);
      assert.deepEqual(groups.map((g) => g.group), ['cpu', 'ml']);
      const cpu = groups[0]!;
      assert.equal(cpu.files, 2);
      const top = cpu.top[0]!;
      assert.match(top.name, /^spinForProfile /, `busiest entry: ${top.name}`);
      // Two 300 ms spins: most of it is in the spinning function (sampling leaves some out).
      assert.ok(top.ms > 300 && top.ms <= cpu.wallMs, `spin self time ${top.ms} ms of ${cpu.wallMs} ms`);
      assert.ok(cpu.busyMs >= top.ms);
      assert.match(profileTable(groups), /\*\*ml\*\* \(1 profile,[\s\S]*`spinForProfile /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file that is not a CPU profile, and an empty folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-prof-'));
    try {
      assert.throws(() => summariseProfiles(dir), /no \.cpuprofile files under/);
      fs.mkdirSync(path.join(dir, 'cpu-0'));
      fs.writeFileSync(path.join(dir, 'cpu-0', 'CPU.1.2.3.0.001.cpuprofile'), '{"nodes": 3}');
      assert.throws(() => summariseProfiles(dir), /cpu-0\/CPU\.1\.2\.3\.0\.001\.cpuprofile is not a V8 CPU profile/);
      assert.throws(() => summariseProfiles(path.join(dir, 'missing')), /no profile folder at/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
