/**
 * Issue 16, pure parts: an export's rate and time left from its recent completions; the command that
 * opens a folder on each platform; the Electron opener's error convention turned into a rejection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ETA_MAX_AGE_MS, ETA_WINDOW, exportEta } from '../src-shared/export-eta.js';
import { openerCommand } from '../src-main/engine/platform-opener.js';
import { shellFolderOpener } from '../src-main/desktop/open-folder.js';

const T0 = 1_700_000_000_000;
const every = (n: number, stepMs: number, from: number) => Array.from({ length: n }, (_, i) => from + (i + 1) * stepMs);

describe('export ETA (recent completion rate)', () => {
  it('a steady photo a second: 60/min, time left = photos left in seconds', () => {
    const eta = exportEta({ completedAt: every(10, 1000, T0), pending: 30, runningSince: T0, now: T0 + 10_000 })!;
    assert.equal(Math.round(eta.perMinute), 60);
    assert.equal(Math.round(eta.etaSeconds), 30);
  });

  it('follows the recent rate, not the average since the start', () => {
    // 10 slow completions (one per 10 s), then ETA_WINDOW fast ones (two a second).
    const slow = every(10, 10_000, T0);
    const fast = every(ETA_WINDOW, 500, T0 + 100_000);
    const now = fast.at(-1)!;
    const eta = exportEta({ completedAt: [...fast, ...slow].reverse(), pending: 120, runningSince: T0, now })!;
    assert.equal(Math.round(eta.perMinute), 120);
    assert.equal(Math.round(eta.etaSeconds), 60);
  });

  it('a pause does not count as slowness: only completions since the export last ran', () => {
    const before = every(5, 1000, T0); // then paused for an hour
    const resumed = T0 + 3_600_000;
    const after = every(4, 2000, resumed);
    const eta = exportEta({ completedAt: [...before, ...after], pending: 10, runningSince: resumed, now: after.at(-1)! })!;
    assert.equal(Math.round(eta.perMinute), 30);
    assert.equal(Math.round(eta.etaSeconds), 20);
  });

  it('a stall slows the estimate down instead of freezing it', () => {
    const done = every(10, 1000, T0);
    const fresh = exportEta({ completedAt: done, pending: 10, runningSince: T0, now: T0 + 10_000 })!;
    const stalled = exportEta({ completedAt: done, pending: 10, runningSince: T0, now: T0 + 40_000 })!;
    assert.ok(stalled.etaSeconds > fresh.etaSeconds * 3, `${stalled.etaSeconds} vs ${fresh.etaSeconds}`);
  });

  it('no estimate with fewer than two completions, with nothing left, or from completions too old', () => {
    assert.equal(exportEta({ completedAt: [T0 + 1000], pending: 5, runningSince: T0, now: T0 + 2000 }), null);
    assert.equal(exportEta({ completedAt: every(5, 1000, T0), pending: 0, runningSince: T0, now: T0 + 6000 }), null);
    assert.equal(exportEta({ completedAt: every(5, 1000, T0), pending: 5, runningSince: T0, now: T0 + 5000 + ETA_MAX_AGE_MS + 1 }), null);
  });

  it('a completion stamped slightly in the future (another clock) counts as now', () => {
    const eta = exportEta({ completedAt: [T0 + 1000, T0 + 2500], pending: 2, runningSince: T0, now: T0 + 2000 })!;
    assert.equal(Math.round(eta.perMinute), 60);
  });
});

describe('opening a folder', () => {
  it('uses xdg-open on Linux and the BSDs, open on macOS, explorer on Windows; one argument, no shell', () => {
    assert.deepEqual(openerCommand('linux', '/home/me/Export', 'folder'), { command: 'xdg-open', args: ['/home/me/Export'] });
    assert.deepEqual(openerCommand('freebsd', '/home/me/Export', 'folder'), { command: 'xdg-open', args: ['/home/me/Export'] });
    assert.deepEqual(openerCommand('darwin', '/Users/me/My Export', 'folder'), { command: 'open', args: ['/Users/me/My Export'] });
    assert.deepEqual(openerCommand('win32', 'C:\\Users\\me\\Export', 'folder'), { command: 'explorer.exe', args: ['C:\\Users\\me\\Export'] });
    assert.deepEqual(openerCommand('win32', 'http://127.0.0.1:1/?token=x', 'url'), { command: 'cmd', args: ['/c', 'start', '""', 'http://127.0.0.1:1/?token=x'] });
    assert.deepEqual(openerCommand('linux', 'http://127.0.0.1:1/', 'url'), { command: 'xdg-open', args: ['http://127.0.0.1:1/'] });
  });

  it('refuses a folder that is not absolute (nor one an opener could read as an option)', () => {
    assert.throws(() => openerCommand('linux', 'relative/dir', 'folder'), /absolute/);
    assert.throws(() => openerCommand('linux', '--help', 'folder'), /absolute/);
  });

  it("the app's opener rejects with shell.openPath's reason and resolves on its empty answer", async () => {
    const asked: string[] = [];
    await shellFolderOpener(async (f) => (asked.push(f), ''))('/x/Export');
    await assert.rejects(shellFolderOpener(async () => 'Failed to open path')('/x/Export'), /Failed to open path/);
    assert.deepEqual(asked, ['/x/Export']);
  });
});
