import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type Browser } from 'playwright-core';
import { reportHost } from '../src-core/host-registry.js';
import { localVersions } from '../src-core/host-versions.js';
import { endpointFromUrl, redisOptions } from '../src-core/redis-endpoint.js';
import { freeLoopbackPort } from '../src-main/engine/process-utils.js';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { launchChromium } from './helpers/browser.js';

/** Where the screenshots go (a temp folder unless SHOEBOX_SCREENSHOTS names one). */
const shots = process.env.SHOEBOX_SCREENSHOTS ?? makeTempDir('ui-hosts-shots');

/**
 * The Queues view lists every machine on the shared Redis: the engine's own workers, a
 * `shoebox worker` machine reporting (as a second machine writes its report to Redis), and one that
 * stopped reporting two minutes ago, shown as gone with its time.
 */
describe('Queues view: machines', () => {
  const dir = makeTempDir('ui-hosts');
  let redisServer: ChildProcess;
  let redis: Redis;
  let serve: ServeChild;
  let browser: Browser;

  before(async () => {
    const port = await freeLoopbackPort();
    redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', 'pw', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--save', '', '--dir', dir], { stdio: 'ignore' });
    await waitFor(() => new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    }), 20_000, 'redis-server');
    const url = `redis://:pw@127.0.0.1:${port}`;
    redis = new Redis(redisOptions(endpointFromUrl(url)));
    serve = await startServe(path.join(dir, 'data'), ['--redis', url], { SHOEBOX_HOST_NAME: 'studio-nas', SHOEBOX_INTERACTIVE_WORKER: '0' });
    const worker = (id: string, workerClass: string, state: string, jobsDone: number, at: string) => ({ id, workerClass, state, pid: 4242, jobsDone, updatedAt: at });
    const now = new Date().toISOString();
    await reportHost(redis, { host: 'desk-gpu', role: 'worker', pid: 4242, versions: localVersions(), refusal: null, at: now, workers: [worker('cpu-0', 'cpu', 'busy', 12, now), worker('ml-0', 'ml', 'ready', 9, now)] });
    const then = new Date(Date.now() - 120_000).toISOString();
    await reportHost(redis, { host: 'old-laptop', role: 'worker', pid: 777, versions: localVersions(), refusal: null, at: then, workers: [worker('cpu-0', 'cpu', 'busy', 3, then)] });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await serve?.stop();
    redis?.disconnect();
    redisServer?.kill('SIGKILL');
    removeDir(dir);
  });

  for (const [width, height] of [[1440, 900], [800, 600]] as const) {
    it(`shows every machine, the gone one with its time (${width}×${height})`, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.goto(serve.openUrl);
      // On a narrow window the views sit behind the ☰ button.
      await page.getByRole('button', { name: /^(Show|Hide) the views$/ }).waitFor();
      const showViews = page.getByRole('button', { name: 'Show the views' });
      if (await showViews.isVisible()) await showViews.click();
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Queues' }).click();
      const card = page.getByTestId('hosts');
      await card.waitFor({ timeout: 30_000 });
      const rows = card.getByTestId('host-worker');
      await waitFor(async () => (await rows.count()) >= 4, 30_000, 'the engine and the two other machines');
      const text = await card.innerText();
      assert.match(text, /desk-gpu \(shoebox worker\)\s+cpu-0\s+cpu\s+busy\s+12/);
      assert.match(text, /old-laptop \(shoebox worker\)\s+cpu-0\s+cpu\s+gone\s+3\s+gone since/);
      assert.match(text, /studio-nas \(engine\)\s+cpu-0\s+cpu/);
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, `queues-machines-${width}x${height}.png`), fullPage: true });
      await page.close();
    });
  }
});
