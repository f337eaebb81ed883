/**
 * The resource governor: its rule (pure) and its settings, then on a real engine (redis-server, forked
 * workers, real photos) driven by a sensor source the test controls — the only fake: the reading.
 * A hot CPU pauses the bulk lanes with the system's reason while high_priority keeps analysing; it
 * stays paused until the machine is clearly cooler, then resumes by itself, leaving the person's own
 * pause alone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../src-core/config-error.js';
import { readGovernorSettings, type GovernorSettings } from '../src-core/governor-settings.js';
import { Engine } from '../src-main/engine/engine.js';
import { GOVERNED_LANES, limitExceeded, type SensorReading } from '../src-main/engine/governor.js';
import { makeTempDir, removeDir, testConfig, waitFor } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

const settings: GovernorSettings = { cpuLimitPercent: 80, temperatureLimitC: 85, pauseOnBattery: true, ecoWhileActive: false, intervalMs: 200 };
const cool: SensorReading = { cpuPercent: 20, cpuTempC: 60, gpuTempC: 50, onBattery: false };

describe('governor rule', () => {
  it('names the limit exceeded, CPU and GPU temperature first', () => {
    assert.equal(limitExceeded(settings, cool, false), null);
    assert.equal(limitExceeded(settings, { ...cool, cpuTempC: 92.4 }, false), 'CPU 92 °C > 85 °C');
    assert.equal(limitExceeded(settings, { ...cool, gpuTempC: 88 }, false), 'GPU 88 °C > 85 °C');
    assert.equal(limitExceeded(settings, { ...cool, cpuPercent: 97 }, false), 'CPU use 97 % > 80 %');
    assert.equal(limitExceeded(settings, { ...cool, onBattery: true }, false), 'on battery power');
    assert.equal(limitExceeded({ ...settings, pauseOnBattery: false }, { ...cool, onBattery: true }, false), null);
  });
  it('resumes only clearly under a limit (hysteresis), and ignores readings it does not have', () => {
    assert.equal(limitExceeded(settings, { ...cool, cpuTempC: 83 }, false), null);
    assert.equal(limitExceeded(settings, { ...cool, cpuTempC: 83 }, true), 'CPU 83 °C > 80 °C');
    assert.equal(limitExceeded(settings, { ...cool, cpuPercent: 75 }, true), 'CPU use 75 % > 70 %');
    assert.equal(limitExceeded(settings, { cpuPercent: null, cpuTempC: null, gpuTempC: null, onBattery: null }, true), null);
  });
  it('reads its settings from the environment and rejects bad ones by name', () => {
    assert.deepEqual(readGovernorSettings({}), { cpuLimitPercent: null, temperatureLimitC: 90, pauseOnBattery: false, ecoWhileActive: false, intervalMs: 10_000 });
    assert.deepEqual(readGovernorSettings({ SHOEBOX_CPU_LIMIT_PERCENT: '75', SHOEBOX_TEMP_LIMIT_C: 'off', SHOEBOX_PAUSE_ON_BATTERY: 'yes', SHOEBOX_ECO_WHILE_ACTIVE: '1' }), {
      cpuLimitPercent: 75,
      temperatureLimitC: null,
      pauseOnBattery: true,
      ecoWhileActive: true,
      intervalMs: 10_000,
    });
    assert.throws(() => readGovernorSettings({ SHOEBOX_ECO_WHILE_ACTIVE: 'sometimes' }), (e: Error) => e instanceof ConfigError && /SHOEBOX_ECO_WHILE_ACTIVE/.test(e.message));
    assert.throws(() => readGovernorSettings({ SHOEBOX_CPU_LIMIT_PERCENT: '150' }), (e: Error) => e instanceof ConfigError && /SHOEBOX_CPU_LIMIT_PERCENT/.test(e.message));
    assert.throws(() => readGovernorSettings({ SHOEBOX_TEMP_LIMIT_C: 'hot' }), (e: Error) => e instanceof ConfigError && /SHOEBOX_TEMP_LIMIT_C.*whole number/.test(e.message));
    assert.throws(() => readGovernorSettings({ SHOEBOX_PAUSE_ON_BATTERY: 'maybe' }), ConfigError);
  });
});

describe('governor on a real engine', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let bulkDir: string;
  let urgentDir: string;
  let engine: Engine;
  let reading: SensorReading = { ...cool };

  before(async () => {
    dataDir = makeTempDir('gov-data');
    bulkDir = makeTempDir('gov-bulk');
    urgentDir = makeTempDir('gov-urgent');
    fs.writeFileSync(path.join(bulkDir, 'bulk.jpg'), fs.readFileSync(path.join(photosDir, 'jpg', 'Nikon_D70.jpg')));
    fs.writeFileSync(path.join(urgentDir, 'urgent.jpg'), fs.readFileSync(path.join(photosDir, 'jpg', 'Pentax_K10D.jpg')));
    engine = await Engine.start(testConfig(dataDir, { governor: settings }), { consoleLevel: false, sensors: async () => reading });
  });
  after(async () => {
    await engine?.stop();
    for (const dir of [dataDir, bulkDir, urgentDir]) removeDir(dir);
  });

  const pausedLanes = async () => {
    const counts = await engine.lanes.counts();
    return Object.entries(counts).filter(([, c]) => c.isPaused).map(([lane]) => lane).sort();
  };

  it('a hot CPU pauses the bulk lanes with the reason; high_priority keeps analysing; cool again resumes', async () => {
    // The person paused the learning lane themselves: the governor must leave that pause alone.
    await engine.store.engineState.setPause({ scope: 'learning', by: 'user', reason: 'my own pause', at: new Date().toISOString() });
    await engine.lanes.pause(['learning']);

    reading = { ...cool, cpuTempC: 92 };
    await waitFor(async () => (await engine.store.engineState.listPauses()).length === GOVERNED_LANES.length, 60_000, 'the governor to pause the bulk lanes');
    const pauses = await engine.store.engineState.listPauses();
    assert.deepEqual(
      pauses.map((p) => [p.scope, p.by, p.reason]),
      [
        ['default', 'system', 'CPU 92 °C > 85 °C'],
        ['learning', 'user', 'my own pause'],
        ['maintenance', 'system', 'CPU 92 °C > 85 °C'],
      ],
    );
    assert.deepEqual(await pausedLanes(), ['default', 'learning', 'maintenance']);
    assert.equal(engine.governor!.state.pausedFor, 'CPU 92 °C > 85 °C');

    // Bulk work waits; a photo asked for on high_priority is analysed meanwhile.
    const bulk = engine.ingest([bulkDir]);
    const urgent = await engine.ingest([urgentDir], { lane: 'high_priority' });
    assert.equal(urgent.completed, 1, JSON.stringify(urgent));
    const [bulkPhoto] = await engine.store.photos.list({ limit: 10, offset: 0, state: 'queued' });
    assert.equal(bulkPhoto?.path, path.join(bulkDir, 'bulk.jpg'), 'the bulk photo is still waiting');

    // Cooler but not clearly under the limit: still paused (no flapping).
    reading = { ...cool, cpuTempC: 83 };
    await engine.governor!.tick();
    assert.deepEqual(await pausedLanes(), ['default', 'learning', 'maintenance']);
    assert.equal(engine.governor!.state.pausedFor, 'CPU 83 °C > 80 °C');
    assert.equal((await engine.store.engineState.listPauses()).find((p) => p.scope === 'default')?.reason, 'CPU 83 °C > 80 °C');

    reading = { ...cool, cpuTempC: 70 };
    await waitFor(async () => (await pausedLanes()).join() === 'learning', 60_000, 'the governor to resume the bulk lanes');
    assert.deepEqual((await engine.store.engineState.listPauses()).map((p) => [p.scope, p.by]), [['learning', 'user']]);
    const summary = await bulk;
    assert.equal(summary.completed, 1, JSON.stringify(summary));
    assert.equal(engine.governor!.state.pausedFor, null);
  });

  it('on battery pauses bulk work when the setting asks for it', async () => {
    reading = { ...cool, onBattery: true };
    await engine.governor!.tick();
    assert.deepEqual(await pausedLanes(), ['default', 'learning', 'maintenance']);
    assert.equal((await engine.store.engineState.listPauses()).find((p) => p.scope === 'default')?.reason, 'on battery power');
    reading = { ...cool };
    await engine.governor!.tick();
    assert.deepEqual(await pausedLanes(), ['learning']);
  });
});

describe('governor: fewer workers before a pause, and eco while the person uses the computer', () => {
  let dataDir: string;
  let engine: Engine;
  let reading: SensorReading = { ...cool };
  let idleSeconds: number | null = null;

  before(async () => {
    dataDir = makeTempDir('gov-pool');
    // Readings only when the test asks (tick); two CPU workers so that "fewer" is visible.
    engine = await Engine.start(testConfig(dataDir, { cpuWorkers: 2, mlWorkers: 0, governor: { ...settings, intervalMs: 600_000 } }), {
      consoleLevel: false,
      sensors: async () => reading,
      idle: () => idleSeconds,
    });
  });
  after(async () => {
    await engine?.stop();
    removeDir(dataDir);
  });

  const pausedLanes = async () => Object.entries(await engine.lanes.counts()).filter(([, c]) => c.isPaused).map(([lane]) => lane).sort();

  it('over the CPU-use limit: one worker first; paused only if still over a reading later; back in reverse order', { timeout: 120_000 }, async () => {
    const governor = engine.governor!;
    assert.equal(engine.pool.size('cpu'), 2);
    reading = { ...cool, cpuPercent: 95 };
    await governor.tick();
    assert.equal(engine.pool.size('cpu'), 1, 'fewer workers first');
    assert.equal(governor.state.fewerWorkersFor, 'CPU use 95 % > 80 %');
    assert.deepEqual(await pausedLanes(), [], 'no pause yet');

    await governor.tick();
    assert.deepEqual(await pausedLanes(), ['default', 'learning', 'maintenance'], 'still over with one worker: bulk lanes paused');
    assert.equal(governor.state.pausedFor, 'CPU use 95 % > 80 %');
    assert.equal((await engine.store.engineState.listPauses()).find((p) => p.scope === 'default')?.by, 'system');

    reading = { ...cool, cpuPercent: 75 };
    await governor.tick();
    assert.deepEqual(await pausedLanes(), ['default', 'learning', 'maintenance'], 'not clearly under the limit: still paused');

    reading = { ...cool, cpuPercent: 40 };
    await governor.tick();
    assert.deepEqual(await pausedLanes(), [], 'resumed');
    assert.equal(engine.pool.size('cpu'), 1, 'the workers come back a reading after the lanes');
    await governor.tick();
    assert.equal(engine.pool.size('cpu'), 2);
    assert.equal(governor.state.fewerWorkersFor, null);
    await engine.pool.waitUntilReady(60_000);
  });

  it('"while I am using the computer: eco": one worker while the person is active, all when away; off by default', { timeout: 120_000 }, async () => {
    const governor = engine.governor!;
    reading = { ...cool };
    idleSeconds = 3;
    await governor.tick();
    assert.equal(engine.pool.size('cpu'), 2, 'the setting is off: activity changes nothing');
    await governor.setEcoWhileActive(true);
    assert.equal(engine.pool.size('cpu'), 1);
    assert.equal(governor.state.fewerWorkersFor, 'you are using the computer');
    assert.deepEqual(await pausedLanes(), [], 'eco is fewer workers, not a pause');
    idleSeconds = 600;
    await governor.tick();
    assert.equal(engine.pool.size('cpu'), 2, 'away from the computer: all workers');
    idleSeconds = null; // a platform that cannot tell: never eco for it
    await governor.tick();
    assert.equal(engine.pool.size('cpu'), 2);
    await engine.pool.waitUntilReady(60_000);
  });

  it('never pauses high_priority', async () => {
    reading = { ...cool, cpuPercent: 99, cpuTempC: 99, onBattery: true };
    await engine.governor!.tick();
    await engine.governor!.tick();
    const counts = await engine.lanes.counts();
    assert.equal(counts.high_priority.isPaused, false);
    assert.equal(counts.default.isPaused, true);
    reading = { ...cool };
    await engine.governor!.tick();
  });
});

describe('system sensors (read from a sysfs-shaped folder of real files)', () => {
  it('takes the hottest CPU thermal zone and ignores the others', async () => {
    const { hottestCpuZone } = await import('../src-main/engine/governor/system-sensors.js');
    const root = makeTempDir('thermal');
    try {
      const zone = (name: string, type: string, milli: string) => {
        fs.mkdirSync(path.join(root, name));
        fs.writeFileSync(path.join(root, name, 'type'), `${type}\n`);
        fs.writeFileSync(path.join(root, name, 'temp'), `${milli}\n`);
      };
      assert.equal(await hottestCpuZone(root), null);
      zone('thermal_zone0', 'x86_pkg_temp', '61000');
      zone('thermal_zone1', 'iwlwifi_1', '99000');
      zone('thermal_zone2', 'acpitz', '72500');
      assert.equal(await hottestCpuZone(root), 72.5);
      assert.equal(await hottestCpuZone(path.join(root, 'absent')), null);
    } finally {
      removeDir(root);
    }
  });
  it('tells battery from mains, and null without a battery', async () => {
    const { onBattery } = await import('../src-main/engine/governor/system-sensors.js');
    const root = makeTempDir('power');
    try {
      const supply = (name: string, files: Record<string, string>) => {
        fs.mkdirSync(path.join(root, name));
        for (const [file, value] of Object.entries(files)) fs.writeFileSync(path.join(root, name, file), `${value}\n`);
      };
      assert.equal(await onBattery(root), null);
      supply('AC', { type: 'Mains', online: '0' });
      supply('BAT0', { type: 'Battery', status: 'Discharging' });
      assert.equal(await onBattery(root), true);
      fs.writeFileSync(path.join(root, 'AC', 'online'), '1\n');
      assert.equal(await onBattery(root), false);
    } finally {
      removeDir(root);
    }
  });
});

describe('governor pauses are told from the others by their reason', () => {
  it('recognises exactly the reasons the rule writes', async () => {
    const { isGovernorReason } = await import('../src-main/engine/governor.js');
    for (const reading of [{ ...cool, cpuTempC: 99.6 }, { ...cool, gpuTempC: 91 }, { ...cool, cpuPercent: 99.9 }, { ...cool, onBattery: true }]) {
      assert.ok(isGovernorReason(limitExceeded(settings, reading, false)!));
    }
    assert.equal(isGovernorReason('on battery power; Shoebox resumes on mains power'), false);
    assert.equal(isGovernorReason('my own pause'), false);
  });
});
