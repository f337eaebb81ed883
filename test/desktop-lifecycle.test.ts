/**
 * The engine inside the desktop app (src-main/desktop/app-lifecycle.ts), driven as the Electron main
 * drives it, with a real engine (its own redis-server, forked workers, SQLite in a temp library).
 * The only stand-in is Electron's surface (window/tray phase, the failure dialog, app.exit), which
 * records what the person would see.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BATTERY_PAUSE_REASON, pauseForBattery, resumeFromBattery } from '../src-main/desktop/battery.js';
import { AppLifecycle, ecoWorkerCounts, type EnginePhase, type ShellSurface } from '../src-main/desktop/app-lifecycle.js';
import { Engine } from '../src-main/engine/engine.js';
import type { EngineConfig } from '../src-core/config.js';
import { libraryPaths } from '../src-core/paths.js';
import { isAlive, makeTempDir, removeDir, testConfig, waitFor } from './helpers/engine.js';

/** Electron's part, recorded: every phase the window/tray showed, dialogs asked, exits. */
class RecordingShell implements ShellSurface {
  readonly phases: { phase: EnginePhase; detail: string | null }[] = [];
  readonly failuresShown: string[] = [];
  readonly exits: number[] = [];
  readonly logs: string[] = [];
  constructor(private readonly answers: ('retry' | 'quit')[] = []) {}
  showPhase(phase: EnginePhase, detail: string | null): void {
    this.phases.push({ phase, detail });
  }
  async askAfterStartFailure(reason: string): Promise<'retry' | 'quit'> {
    this.failuresShown.push(reason);
    return this.answers.shift() ?? 'quit';
  }
  exit(code: number): void {
    this.exits.push(code);
  }
  log = {
    info: (m: string) => void this.logs.push(`info ${m}`),
    warn: (m: string) => void this.logs.push(`warn ${m}`),
    error: (m: string) => void this.logs.push(`error ${m}`),
  };
}

/** What a started engine runs: checked to be gone after the app exits. */
interface Started {
  redisPid: number | null;
  workerPids: number[];
}

function quitEvent(): { preventDefault(): void; prevented: boolean } {
  const event = { prevented: false, preventDefault: () => void (event.prevented = true) };
  return event;
}

function engineLog(dataDir: string): string {
  return fs.readFileSync(path.join(libraryPaths(dataDir).logsDir, 'engine.log'), 'utf8');
}

describe('desktop app lifecycle with a real engine', () => {
  const dirs: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    for (const dir of dirs) removeDir(dir);
  });

  const small = (overrides: Partial<EngineConfig> = {}): Partial<EngineConfig> => ({ cpuWorkers: 1, mlWorkers: 0, interactiveWorker: false, ...overrides });

  function starter(dataDir: string, started: Started[], configs: Partial<EngineConfig>[]) {
    let attempt = 0;
    return async () => {
      const overrides = configs[Math.min(attempt++, configs.length - 1)]!;
      const engine = await Engine.start(testConfig(dataDir, overrides), { consoleLevel: false });
      started.push({ redisPid: engine.redis?.pid ?? null, workerPids: engine.pool.pids() });
      return engine;
    };
  }

  it('shows a failed start with its reason, answers API calls with it, and starts on Retry', { timeout: 180_000 }, async () => {
    const dataDir = makeTempDir('desktop-fail');
    dirs.push(dataDir);
    const started: Started[] = [];
    const shell = new RecordingShell(['retry']);
    const missing = path.join(dataDir, 'no-such-redis-server');
    const lifecycle = new AppLifecycle(shell, starter(dataDir, started, [small({ redisServerBinary: missing }), small()]));

    const launched = lifecycle.launch();
    assert.deepEqual(shell.phases[0], { phase: 'starting', detail: null }, 'the window and tray show before the engine starts');
    await waitFor(() => shell.failuresShown.length > 0, 60_000, 'the start failure to be shown');
    assert.match(shell.failuresShown[0]!, /no-such-redis-server.*not an executable/s);
    assert.ok(shell.phases.some((p) => p.phase === 'failed' && p.detail === shell.failuresShown[0]), JSON.stringify(shell.phases));
    await launched;
    assert.equal(lifecycle.phase, 'running', 'Retry started it');
    assert.deepEqual(
      shell.phases.map((p) => p.phase),
      ['starting', 'failed', 'starting', 'running'],
    );
    const status = await lifecycle.handlers()['status.get']({});
    assert.equal(status.dataDir, dataDir);

    await lifecycle.requestQuit();
    assert.deepEqual(shell.exits, [0]);
    assert.equal(lifecycle.phase, 'stopped');
  });

  it('API calls say why there is no engine: starting, failed (with the reason), quitting', async () => {
    const shell = new RecordingShell();
    let fail: (error: Error) => void = () => undefined;
    const lifecycle = new AppLifecycle(shell, () => new Promise<Engine>((_resolve, reject) => (fail = reject)));
    const launched = lifecycle.launch();
    await assert.rejects(lifecycle.handlers()['status.get']({}), { code: 'no-engine', message: /starting/ });
    fail(new Error('library.sqlite is locked'));
    await launched; // the recording shell answers "quit"
    assert.deepEqual(shell.failuresShown, ['library.sqlite is locked']);
    assert.deepEqual(shell.exits, [0], 'Quit on the failure dialog exits');
    assert.equal(lifecycle.unavailable().message, 'Shoebox is quitting');
  });

  it('Quit during start-up waits for the start, stops the engine gracefully; a second Quit does not exit mid-stop', { timeout: 180_000 }, async () => {
    const dataDir = makeTempDir('desktop-quit');
    dirs.push(dataDir);
    const started: Started[] = [];
    const shell = new RecordingShell();
    const lifecycle = new AppLifecycle(shell, starter(dataDir, started, [small()]));

    void lifecycle.launch();
    assert.equal(shell.phases[0]!.phase, 'starting');
    const first = quitEvent();
    lifecycle.onBeforeQuit(first);
    assert.ok(first.prevented, 'the quit is held until the engine has stopped');
    assert.equal(lifecycle.phase, 'stopping');
    assert.deepEqual(shell.exits, []);

    // A second Quit while the engine is still starting (and then stopping) is held too. (Asked here, not
    // after the start: the stop that follows can finish in well under a second on an idle machine.)
    const second = quitEvent();
    lifecycle.onBeforeQuit(second);
    assert.ok(second.prevented, 'a second Quit is held too');
    assert.deepEqual(shell.exits, [], 'and does not exit mid-stop');

    // The engine's start finishes (redis-server and a worker are up) before it is stopped.
    await waitFor(() => started.length === 1, 120_000, 'the engine start to finish');

    await waitFor(() => shell.exits.length > 0, 120_000, 'the app to exit');
    assert.deepEqual(shell.exits, [0], 'exits once');
    assert.ok(!shell.phases.some((p) => p.phase === 'running'), 'never showed running: it was quitting');
    const { redisPid, workerPids } = started[0]!;
    assert.ok(redisPid && workerPids.length === 1, JSON.stringify(started));
    assert.equal(isAlive(redisPid), false, 'redis-server is not orphaned');
    for (const pid of workerPids) assert.equal(isAlive(pid), false, `worker ${pid} has exited`);
    assert.equal(fs.existsSync(libraryPaths(dataDir).engineFile), false);
    assert.match(engineLog(dataDir), /engine stopped/);
    assert.ok(shell.logs.some((l) => /still stopping/.test(l)), shell.logs.join('\n'));
  });

  it('eco mode with 0 ML workers starts none and turns off cleanly; battery pause; log-off stops the engine and exits', { timeout: 180_000 }, async () => {
    const dataDir = makeTempDir('desktop-eco');
    dirs.push(dataDir);
    const started: Started[] = [];
    const shell = new RecordingShell();
    const lifecycle = new AppLifecycle(shell, starter(dataDir, started, [small({ cpuWorkers: 2 })]), { sessionEndGraceMs: 1000 });

    // Eco chosen before the engine runs is applied once it does.
    assert.equal(await lifecycle.setEco(true), true);
    await lifecycle.launch();
    const engine = lifecycle.runningEngine!;
    assert.equal(engine.pool.size('cpu'), 1);
    assert.equal(engine.pool.size('ml'), 0, 'no ML worker is started on a machine configured with none');
    assert.equal(engine.pool.pids('ml').length, 0);

    assert.equal(await lifecycle.setEco(false), true);
    assert.equal(engine.pool.size('cpu'), 2);
    assert.equal(engine.pool.size('ml'), 0);
    await engine.pool.waitUntilReady(60_000);
    assert.equal(await lifecycle.setEco(true), true);
    assert.equal(engine.pool.size('cpu'), 1);

    // On battery: everything pauses, recorded with its reason; on mains only that pause is lifted.
    await engine.store.engineState.setPause({ scope: 'learning', by: 'user', reason: 'mine', at: new Date().toISOString() });
    await engine.lanes.pause(['learning']);
    assert.equal(await pauseForBattery(engine), true);
    assert.equal(await engine.lanes.queue('cpu', 'default').isPaused(), true);
    assert.ok((await engine.store.engineState.listPauses()).some((p) => p.scope === 'all' && p.by === 'system' && p.reason === BATTERY_PAUSE_REASON));
    assert.equal(await resumeFromBattery(engine), true);
    assert.equal(await engine.lanes.queue('cpu', 'default').isPaused(), false);
    assert.equal(await engine.lanes.queue('ml', 'default').isPaused(), false);
    assert.equal(await engine.lanes.queue('cpu', 'learning').isPaused(), true, "the person's own lane pause stays");
    assert.deepEqual((await engine.store.engineState.listPauses()).map((p) => p.scope), ['learning']);
    // A pause of everything made by the person is neither replaced on battery nor lifted on mains.
    await lifecycle.service!.ops.pause('all', 'paused by the user');
    assert.equal(await pauseForBattery(engine), false);
    assert.equal(await resumeFromBattery(engine), false);
    assert.equal(await engine.lanes.queue('cpu', 'default').isPaused(), true);

    const pids = [engine.redis!.pid!, ...engine.pool.pids()];
    await lifecycle.onSessionEnd();
    assert.deepEqual(shell.exits, [0]);
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} has exited`);
    assert.equal(fs.existsSync(libraryPaths(dataDir).engineFile), false);
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });
});

describe('eco worker counts', () => {
  it('one per class that has workers; the configured numbers when off', () => {
    assert.deepEqual(ecoWorkerCounts({ cpu: 7, ml: 2 }, true), { cpu: 1, ml: 1 });
    assert.deepEqual(ecoWorkerCounts({ cpu: 7, ml: 0 }, true), { cpu: 1, ml: 0 });
    assert.deepEqual(ecoWorkerCounts({ cpu: 7, ml: 0 }, false), { cpu: 7, ml: 0 });
  });
});
