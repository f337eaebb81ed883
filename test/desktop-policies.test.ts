/**
 * The desktop app's small policies, in plain Node: what the tray menu shows and when it is rebuilt,
 * keeping the machine awake and the "finished" notification, renderer-crash recovery, and the
 * desktop preferences file (a real file in a temp folder, broken ones included).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import type { AllLaneCounts, AnyEvent, IngestInfo } from '../src-shared/api/contract.js';
import { LANES } from '../src-shared/lanes.js';
import { DesktopActivity, type IngestFinishedNotice } from '../src-main/desktop/activity.js';
import { RendererCrashPolicy } from '../src-main/desktop/crash-recovery.js';
import { DEFAULT_PREFS, prefsFile, readPrefs, writePrefs } from '../src-main/desktop/desktop-prefs.js';
import { TrayMenuCache, trayMenu } from '../src-main/desktop/tray-menu.js';
import { TrayModel } from '../src-main/engine/api/tray-model.js';
import { makeTempDir, removeDir } from './helpers/engine.js';

function lanes(active: number, waiting: number, isPaused = false): AllLaneCounts {
  const one = (lane: string) => ({ waiting: lane === 'default' ? waiting : 0, active: lane === 'default' ? active : 0, delayed: 0, prioritized: 0, completed: 0, failed: 0, paused: 0, isPaused });
  return Object.fromEntries(LANES.map((lane) => [lane, one(lane)])) as AllLaneCounts;
}
const countsEvent = (active: number, waiting: number, isPaused = false): AnyEvent => ({
  event: 'lanes.counts',
  payload: { at: Date.now(), lanes: lanes(active, waiting, isPaused), finished: { cpu: 1, ml: 1 } },
});
function ingest(state: IngestInfo['state'], completed: number, failed = 0, id = 'ing-1'): IngestInfo {
  return {
    id,
    roots: ['/home/ada/Pictures/Holiday 2026'],
    state,
    startedAt: '2026-11-30T01:00:00.000Z',
    finishedAt: state === 'running' ? null : '2026-11-30T01:10:00.000Z',
    totals: { photos: 40, queued: 0, processing: 0, completed, failed, cancelled: 0, skipped: 0 },
  };
}
const totalsEvent = (queued: number, info: IngestInfo | null, scanning = false): AnyEvent => ({
  event: 'ingest.totals',
  payload: { photos: { queued, processing: 0, done: 40 - queued }, ingest: info, scanning },
});

describe('tray menu', () => {
  it('is rebuilt when what it shows changes, not on every lane-count event', async () => {
    const cache = new TrayMenuCache();
    let rebuilds = 0;
    const model = new TrayModel(
      { pauseAll: async () => undefined, resumeAll: async () => undefined, pauseIntake: async () => undefined, setEco: async () => undefined },
      (view) => void (cache.next(trayMenu(view, 'running')) && rebuilds++),
    );
    cache.next(trayMenu(model.view(), 'running'));
    // A minute of an ingest: counts change every second, photos left go down.
    for (let i = 60; i > 0; i--) {
      model.handle(countsEvent(2, i));
      model.handle(totalsEvent(i, ingest('running', 40 - i)));
    }
    assert.equal(rebuilds, 1, 'idle → running once; the changing counts are in the tooltip only');
    assert.match(model.view().tooltip, /1 photo to go/);
    model.handle(countsEvent(0, 0, true));
    assert.equal(rebuilds, 2, 'paused: Resume all replaces Pause all');
    const items = trayMenu(model.view(), 'running');
    assert.ok(items.some((i) => i.kind === 'action' && i.action === 'resume-all'));
  });

  it("shows the system's pause (the resource governor's reason) in the menu and the tooltip, not the person's", () => {
    const model = new TrayModel({ pauseAll: async () => undefined, resumeAll: async () => undefined, pauseIntake: async () => undefined, setEco: async () => undefined }, () => undefined);
    const at = new Date().toISOString();
    model.handle({ event: 'lanes.pauses', payload: { pauses: [{ scope: 'learning', by: 'user', reason: 'my own pause', at }] } });
    assert.equal(model.view().systemPause, null);
    assert.ok(!trayMenu(model.view(), 'running').some((i) => i.kind === 'label' && /system/.test(i.label)));
    model.handle({
      event: 'lanes.pauses',
      payload: {
        pauses: [
          { scope: 'default', by: 'system', reason: 'CPU 92 °C > 85 °C', at },
          { scope: 'learning', by: 'user', reason: 'my own pause', at },
        ],
      },
    });
    assert.equal(model.view().systemPause, 'CPU 92 °C > 85 °C');
    assert.match(model.view().tooltip, / · paused by the system: CPU 92 °C > 85 °C$/);
    assert.deepEqual(trayMenu(model.view(), 'running')[1], { kind: 'label', label: 'Paused by the system: CPU 92 °C > 85 °C' });
    assert.ok(!trayMenu(model.view(), 'starting').some((i) => i.kind === 'label' && /system/.test(i.label)), 'not while the engine is not running');
    model.handle({ event: 'lanes.pauses', payload: { pauses: [] } });
    assert.equal(model.view().systemPause, null);
    assert.doesNotMatch(model.view().tooltip, /system/);
  });

  it('says the engine phase and disables what cannot work until it runs', () => {
    const view = { state: 'idle' as const, remaining: 0, tooltip: '', allPaused: false, eco: false, systemPause: null };
    const starting = trayMenu(view, 'starting');
    assert.deepEqual(starting[0], { kind: 'label', label: 'Starting…' });
    for (const item of starting) if (item.kind === 'action' && item.action !== 'open' && item.action !== 'quit') assert.equal(item.enabled, false, item.label);
    const quit = trayMenu(view, 'stopping').find((i) => i.kind === 'action' && i.action === 'quit');
    assert.deepEqual(quit, { kind: 'action', label: 'Quit Shoebox', action: 'quit', enabled: false }, 'no second Quit while stopping');
  });
});

describe('desktop activity', () => {
  it('keeps the machine awake while photos are analysed, not while paused or idle', () => {
    const calls: boolean[] = [];
    const activity = new DesktopActivity({ keepAwake: (on) => calls.push(on), ingestFinished: () => undefined });
    activity.handle(countsEvent(0, 0));
    assert.deepEqual(calls, []);
    activity.handle(totalsEvent(10, ingest('running', 30)));
    activity.handle(countsEvent(2, 8));
    activity.handle(countsEvent(2, 7));
    assert.deepEqual(calls, [true], 'once, not per event');
    activity.handle(countsEvent(0, 7, true));
    assert.deepEqual(calls, [true, false], 'all paused: the machine may sleep');
    activity.handle(countsEvent(2, 7, false));
    activity.reset();
    assert.deepEqual(calls, [true, false, true, false]);
  });

  it('notifies once when an ingest seen running finishes; not for old, cancelled or interrupted ones', () => {
    const notices: IngestFinishedNotice[] = [];
    const activity = new DesktopActivity({ keepAwake: () => undefined, ingestFinished: (n) => notices.push(n) });
    activity.handle(totalsEvent(0, ingest('done', 40, 0, 'old')));
    assert.deepEqual(notices, [], 'finished before the app started');
    activity.handle(totalsEvent(5, ingest('running', 35)));
    activity.handle(totalsEvent(0, ingest('done', 39, 1)));
    activity.handle(totalsEvent(0, ingest('done', 39, 1)));
    assert.deepEqual(notices, [{ ingestId: 'ing-1', title: 'Shoebox finished Holiday 2026', body: '39 photos analysed, 1 failed' }]);
    activity.handle(totalsEvent(5, ingest('running', 1, 0, 'ing-2')));
    activity.handle(totalsEvent(0, ingest('cancelled', 1, 0, 'ing-2')));
    assert.equal(notices.length, 1, 'the person cancelled it');
  });
});

describe('renderer crash recovery', () => {
  it('reloads after a crash, gives up when it keeps crashing, ignores a clean exit', () => {
    const policy = new RendererCrashPolicy(3, 60_000);
    assert.equal(policy.onGone('clean-exit', 0), 'ignore');
    assert.equal(policy.onGone('crashed', 1_000), 'reload');
    assert.equal(policy.onGone('oom', 2_000), 'reload');
    assert.equal(policy.onGone('crashed', 3_000), 'reload');
    assert.equal(policy.onGone('crashed', 4_000), 'give-up');
    assert.equal(policy.onGone('crashed', 200_000), 'reload', 'old crashes are forgotten');
    policy.reset();
    assert.equal(policy.onGone('crashed', 200_001), 'reload');
  });
});

describe('desktop preferences file', () => {
  it('round-trips, defaults when missing, and names the file and the fault when broken', () => {
    const dir = makeTempDir('desktop-prefs');
    try {
      assert.deepEqual(readPrefs(dir), { prefs: DEFAULT_PREFS, warning: null });
      writePrefs(dir, { ...DEFAULT_PREFS, openAtLogin: true, closeNoticeShown: true });
      assert.deepEqual(readPrefs(dir).prefs, { ...DEFAULT_PREFS, openAtLogin: true, closeNoticeShown: true });
      if (process.platform !== 'win32') assert.equal(fs.statSync(prefsFile(dir)).mode & 0o777, 0o600);

      fs.writeFileSync(prefsFile(dir), '{"openAtLogin": tru');
      const notJson = readPrefs(dir);
      assert.deepEqual(notJson.prefs, DEFAULT_PREFS);
      assert.match(notJson.warning!, /desktop\.json is not JSON/);

      fs.writeFileSync(prefsFile(dir), '{"openAtLogin": "yes"}');
      assert.match(readPrefs(dir).warning!, /desktop\.json: openAtLogin .*boolean/);
      fs.writeFileSync(prefsFile(dir), '{"startMinimised": true}');
      assert.match(readPrefs(dir).warning!, /startMinimised|unrecognized/i);
      assert.throws(() => writePrefs(dir, { ...DEFAULT_PREFS, pauseOnBattery: 'no' as unknown as boolean }));
    } finally {
      removeDir(dir);
    }
  });
});
