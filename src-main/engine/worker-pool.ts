import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerRole } from '../../src-shared/lanes.js';
import { RECYCLE_EXIT_CODE, type FromWorker, type ToWorker, type WorkerLaunchConfig } from '../../src-shared/worker-protocol.js';
import type { Logger } from '../../src-core/logger.js';
import type { WorkerState, WorkerStatus } from '../../src-core/store/store.js';
import { killProcessGroup } from './process-utils.js';

/** Why a worker process ended, as the pool understands it. */
export type WorkerExit = 'clean-exit' | 'recycled' | 'crashed' | 'killed' | 'launch-failed';

export interface WorkerSlotSpec {
  role: WorkerRole;
  count: number;
  /** Builds the launch config for a slot (the slot id is e.g. "cpu-0", "interactive-0"). */
  launchConfig: (slotId: string) => WorkerLaunchConfig;
}

interface Slot {
  id: string;
  spec: WorkerSlotSpec;
  child: ChildProcess | null;
  status: WorkerStatus;
  recycleReason: string | null;
  /** Crash times, to slow restarts of a worker that keeps dying at start. */
  recentCrashes: number[];
  currentJob: string | null;
  /** Jobs this process holds now (job id → photo id), for the Queues view. */
  inHand: Map<string, string | null>;
  /** Set by resize(): the worker finishes its jobs and exits, and the slot goes away (never relaunched). */
  retiring: boolean;
  /** What this (bulk) worker process was last told: hold its bulk lanes or not. */
  held: boolean;
}

/**
 * How long the interactive worker must stay idle before the bulk workers take jobs again: its CPU
 * job hands over to its ML job through the queue, and the bulk workers must not refill the cores
 * in that gap.
 */
const RELEASE_BULK_AFTER_MS = 300;

const slotIndex = (slot: Slot): number => Number(slot.id.slice(slot.id.lastIndexOf('-') + 1));

/**
 * SHOEBOX_WORKER_CPU_PROF_DIR=<dir>: each worker process writes V8 CPU profiles (node --cpu-prof) into
 * <dir>/<slot id>/ when it exits, for `node dist/test/bench/cpuprofile-top.js <dir>` (issue 19's
 * profile). One folder per slot, because Node names the files by pid and thread (the ML process's
 * object-detector thread writes its own).
 */
export function profilingArgs(slotId: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = env.SHOEBOX_WORKER_CPU_PROF_DIR?.trim();
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(dir), slotId)}`] : [];
}

/** The compiled worker entry when running from dist/, the TypeScript source under tsx. */
export function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = fileURLToPath(new URL(`../../src-worker/main${ext}`, import.meta.url));
  if (!fs.existsSync(entry)) throw new Error(`worker entry not found at ${entry}; run "npm run build"`);
  return entry;
}

/**
 * Forks worker processes per role (bulk cpu, bulk ml, interactive), restarts one that crashed
 * (with backoff when it keeps crashing), replaces one that asks to be recycled, and drains them all
 * on shutdown: each finishes the jobs in hand within the grace period, after which it is killed and its jobs are recovered by
 * BullMQ's stalled-job check on the next start.
 *
 * Events: 'status' (WorkerStatus) on every state change, 'exit' (slotId, WorkerExit, detail).
 */
export class WorkerPool extends EventEmitter {
  private readonly slots: Slot[] = [];
  private readonly specs = new Map<WorkerRole, WorkerSlotSpec>();
  /** Resolves, per retiring slot, when its worker has gone. */
  private readonly retired = new Map<Slot, () => void>();
  private stopping = false;
  /** True while the interactive worker has a job in hand: bulk workers take no new jobs. */
  private bulkHeld = false;
  private releaseTimer: NodeJS.Timeout | null = null;

  constructor(
    specs: WorkerSlotSpec[],
    private readonly log: Logger,
    private readonly entry = workerEntry(),
  ) {
    super();
    for (const spec of specs) {
      this.specs.set(spec.role, spec);
      for (let i = 0; i < spec.count; i++) this.slots.push(this.newSlot(spec, i));
    }
  }

  private newSlot(spec: WorkerSlotSpec, index: number): Slot {
    const id = `${spec.role}-${index}`;
    return {
      id,
      spec,
      child: null,
      recycleReason: null,
      recentCrashes: [],
      currentJob: null,
      inHand: new Map(),
      retiring: false,
      held: false,
      status: { id, workerClass: spec.role, pid: null, state: 'starting', reason: null, rssMb: null, jobsDone: 0, restarts: 0, updatedAt: new Date().toISOString() },
    };
  }

  /** Live (not retiring) worker slots of a class. */
  size(role: WorkerRole): number {
    return this.slots.filter((s) => s.spec.role === role && !s.retiring).length;
  }

  /**
   * Changes how many workers of a class run, without restarting the engine (the tray's eco mode).
   * New slots start at once. Surplus slots (the highest numbered) are drained: each worker is asked
   * to leave, finishes the jobs in hand (BullMQ close() waits for them, with no time limit: a worker
   * is never killed mid-job here), then exits and its slot is removed. Resolves when the surplus
   * workers have gone; new workers report ready on their own (waitUntilReady).
   */
  async resize(role: WorkerRole, count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 1) throw new Error(`worker count must be a whole number ≥ 1, got ${count}`);
    if (this.stopping) return;
    const spec = this.specs.get(role);
    if (!spec) throw new Error(`this pool has no ${role} workers`);
    const live = this.slots.filter((s) => s.spec.role === role && !s.retiring);
    if (count > live.length) {
      const used = new Set(this.slots.map((s) => s.id));
      for (let index = 0, added = 0; added < count - live.length; index++) {
        if (used.has(`${role}-${index}`)) continue;
        const slot = this.newSlot(spec, index);
        this.slots.push(slot);
        this.launch(slot);
        added++;
      }
      this.log.info(`worker pool: ${role} workers ${live.length} → ${count}`);
      return;
    }
    if (count === live.length) return;
    const surplus = live.sort((a, b) => slotIndex(b) - slotIndex(a)).slice(0, live.length - count);
    this.log.info(`worker pool: ${role} workers ${live.length} → ${count}; draining ${surplus.map((s) => s.id).join(', ')}`);
    await Promise.all(surplus.map((slot) => this.retire(slot)));
  }

  private retire(slot: Slot): Promise<void> {
    slot.retiring = true;
    const gone = new Promise<void>((resolve) => this.retired.set(slot, resolve));
    const child = slot.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      // Not running (crashed, waiting for a restart): nothing in hand, remove it now.
      this.removeSlot(slot, 'removed (fewer workers)');
    } else {
      this.setStatus(slot, { state: 'stopping', reason: 'draining: fewer workers' });
      this.askToShutdown(child); // the worker finishes the jobs in hand either way
    }
    return gone;
  }

  private removeSlot(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    this.setStatus(slot, { state: 'stopped', pid: null, reason });
    this.emit('removed', slot.id);
    this.retired.get(slot)?.();
    this.retired.delete(slot);
  }

  start(): void {
    for (const slot of this.slots) this.launch(slot);
  }

  statuses(): WorkerStatus[] {
    return this.slots.map((slot) => ({ ...slot.status }));
  }

  /** The jobs each worker process holds now (cleared when a process exits). */
  jobsInHand(): { workerId: string; jobId: string; photoId: string | null }[] {
    return this.slots.flatMap((slot) => (slot.child ? [...slot.inHand].map(([jobId, photoId]) => ({ workerId: slot.id, jobId, photoId })) : []));
  }

  /** Pids of live worker processes, by class (used by chaos tests and the status view). */
  pids(role?: WorkerRole): number[] {
    return this.slots.filter((s) => s.child?.pid && (!role || s.spec.role === role)).map((s) => s.child!.pid!);
  }

  /** Resolves when every slot has reported ready at least once. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    while (!this.slots.every((s) => s.retiring || s.status.state === 'ready' || s.status.state === 'busy')) {
      if (Date.now() - started > timeoutMs) {
        const states = this.slots.map((s) => `${s.id}=${s.status.state}${s.status.reason ? ` (${s.status.reason})` : ''}`).join(', ');
        throw new Error(`workers not ready after ${timeoutMs} ms: ${states}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private setStatus(slot: Slot, patch: Partial<WorkerStatus> & { state?: WorkerState }): void {
    slot.status = { ...slot.status, ...patch, updatedAt: new Date().toISOString() };
    this.emit('status', { ...slot.status });
  }

  private launch(slot: Slot): void {
    if (this.stopping || slot.retiring || !this.slots.includes(slot)) return;
    const config = slot.spec.launchConfig(slot.id);
    let child: ChildProcess;
    try {
      child = fork(this.entry, [], {
        env: { ...process.env, SHOEBOX_WORKER_CONFIG: JSON.stringify(config) },
        execArgv: [...process.execArgv, ...profilingArgs(slot.id)], // process.execArgv keeps tsx's loader when the engine runs from source
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
        serialization: 'json',
        // Its own process group, so that what it starts (exiftool) can be ended with it: see onExit.
        // Ctrl-C in a terminal then reaches only the engine, which stops the workers itself.
        detached: process.platform !== 'win32',
      });
    } catch (error) {
      this.setStatus(slot, { state: 'crashed', reason: `launch failed: ${String(error)}`, pid: null });
      this.emit('exit', slot.id, 'launch-failed' satisfies WorkerExit, String(error));
      this.scheduleRestart(slot);
      return;
    }
    slot.child = child;
    slot.recycleReason = null;
    slot.held = false; // a fresh process; told to hold once it reports (syncHold)
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    this.setStatus(slot, { state: 'starting', pid: child.pid ?? null, reason: null, rssMb: null });
    child.on('message', (message: FromWorker) => this.onMessage(slot, message));
    // A send to a worker that is already closing its channel fails with EPIPE; without a listener Node
    // would throw that from the pool. The exit handler deals with the worker itself.
    child.on('error', (error) => this.log.warn(`worker ${slot.id}: ${error.message}`));
    child.once('exit', (code, signal) => this.onExit(slot, child, code, signal, stderr.trim()));
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'state':
        this.setStatus(slot, { state: message.state, rssMb: message.rssMb });
        if (slot.spec.role === 'interactive') this.onInteractiveState(message.state);
        else this.syncHold(slot);
        break;
      case 'job-started':
        slot.currentJob = message.jobId;
        slot.inHand.set(message.jobId, message.photoId);
        break;
      case 'job-finished':
        slot.currentJob = null;
        slot.inHand.delete(message.jobId);
        this.setStatus(slot, { jobsDone: slot.status.jobsDone + 1 });
        break;
      case 'recycle':
        slot.recycleReason = message.reason;
        break;
    }
  }

  /**
   * A photo a person waits for runs in the interactive worker at normal priority, but niceness alone
   * does not stop bulk jobs from sharing the cores (or the hyperthreads of one core) with it. So while
   * it has a job, the bulk workers take no new ones; the jobs they hold finish. Released once it has
   * been idle for RELEASE_BULK_AFTER_MS.
   */
  private onInteractiveState(state: WorkerState): void {
    if (state === 'busy') {
      if (this.releaseTimer) clearTimeout(this.releaseTimer);
      this.releaseTimer = null;
      this.setBulkHeld(true);
    } else if (this.bulkHeld && !this.releaseTimer) {
      this.releaseTimer = setTimeout(() => {
        this.releaseTimer = null;
        this.setBulkHeld(false);
      }, RELEASE_BULK_AFTER_MS);
      this.releaseTimer.unref();
    }
  }

  /** Whether the bulk workers are held for the interactive worker right now (status views, tests). */
  get bulkHeldNow(): boolean {
    return this.bulkHeld;
  }

  private setBulkHeld(held: boolean): void {
    this.bulkHeld = held;
    for (const slot of this.slots) this.syncHold(slot);
  }

  /** Tells a bulk worker to hold or release its lanes when what it was told differs from the pool's wish. */
  private syncHold(slot: Slot): void {
    const child = slot.child;
    if (slot.spec.role === 'interactive' || !child?.connected || slot.held === this.bulkHeld) return;
    if (slot.status.state !== 'ready' && slot.status.state !== 'busy') return; // not listening yet
    slot.held = this.bulkHeld;
    this.tell(child, { type: this.bulkHeld ? 'hold-bulk' : 'release-bulk' });
  }

  /**
   * Sends a message over the IPC channel. A worker can close its channel between the `connected` check
   * and the write (it is exiting): the send then fails with EPIPE, passed to `onFailed`, never thrown.
   */
  private tell(child: ChildProcess, message: ToWorker, onFailed: () => void = () => undefined): void {
    if (!child.connected) return onFailed();
    child.send(message, (error) => {
      if (error) onFailed();
    });
  }

  /** Asks a worker to finish its jobs in hand and exit: over IPC, or by SIGTERM (same handler) when the channel is gone. */
  private askToShutdown(child: ChildProcess): void {
    this.tell(child, { type: 'shutdown' }, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
  }

  private onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, stderr: string): void {
    killProcessGroup(child.pid);
    if (slot.child !== child) return;
    slot.child = null;
    slot.inHand.clear();
    // An interactive worker that died mid-job must not leave the bulk workers held.
    if (slot.spec.role === 'interactive') this.onInteractiveState('crashed');
    const exit: WorkerExit =
      code === RECYCLE_EXIT_CODE ? 'recycled' : this.stopping && code === 0 ? 'clean-exit' : signal === 'SIGKILL' && this.stopping ? 'killed' : 'crashed';
    const detail =
      exit === 'recycled'
        ? slot.recycleReason ?? 'recycled'
        : exit === 'crashed'
          ? `exited with ${signal ? `signal ${signal}` : `code ${code}`}${slot.currentJob ? ` while processing job ${slot.currentJob}` : ''}${stderr ? `: ${stderr.split('\n').slice(-3).join(' ')}` : ''}`
          : 'stopped';
    slot.currentJob = null;
    if (slot.retiring) {
      const how = code === 0 || code === RECYCLE_EXIT_CODE ? 'clean-exit' : exit;
      this.emit('exit', slot.id, how, how === 'clean-exit' ? 'drained (fewer workers)' : detail);
      if (how !== 'clean-exit') this.log.warn(`worker ${slot.id} ended while draining: ${detail}`);
      this.removeSlot(slot, how === 'clean-exit' ? 'drained (fewer workers)' : detail);
      return;
    }
    this.emit('exit', slot.id, exit, detail);
    if (this.stopping) {
      this.setStatus(slot, { state: 'stopped', pid: null, reason: detail });
      return;
    }
    if (exit === 'recycled') {
      this.log.info(`worker ${slot.id} ${detail}; starting a fresh one`);
      this.setStatus(slot, { state: 'starting', pid: null, reason: detail, restarts: slot.status.restarts + 1 });
      this.launch(slot);
      return;
    }
    this.log.warn(`worker ${slot.id} crashed: ${detail}`);
    this.setStatus(slot, { state: 'crashed', pid: null, reason: detail, restarts: slot.status.restarts + 1 });
    this.scheduleRestart(slot);
  }

  private scheduleRestart(slot: Slot): void {
    const now = Date.now();
    slot.recentCrashes = [...slot.recentCrashes.filter((t) => now - t < 60_000), now];
    // Restart at once after a lone crash; back off when it keeps crashing (a bad install, not bad luck).
    const delay = slot.recentCrashes.length <= 2 ? 0 : Math.min(30_000, 500 * 2 ** (slot.recentCrashes.length - 2));
    setTimeout(() => this.launch(slot), delay).unref();
  }

  /** Asks every worker to finish the jobs in hand; kills those still running after the grace period. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const alive = this.slots.filter((s) => s.child && s.child.exitCode === null && s.child.signalCode === null);
    await Promise.all(
      alive.map(async (slot) => {
        const child = slot.child!;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        this.askToShutdown(child);
        const timer = setTimeout(() => {
          this.log.warn(`worker ${slot.id} did not finish within ${graceMs} ms; killing it (its jobs are handed back)`);
          child.kill('SIGKILL');
        }, graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Second Ctrl-C: no grace. */
  kill(): void {
    this.stopping = true;
    for (const slot of this.slots) slot.child?.kill('SIGKILL');
  }
}
