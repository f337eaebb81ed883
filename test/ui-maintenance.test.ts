/**
 * The Queues view's history charts and maintenance card (issue 18), on `shoebox serve` (real engine,
 * redis-server, workers, SQLite) in real Chromium. The engine samples its metrics every second here
 * (SHOEBOX_METRICS_INTERVAL_MS) instead of every minute; a folder of real photos is analysed, and the
 * stages it ran show in the throughput chart's key with their counts, read back over HTTP the same way.
 * "Run now" on the cleanup queues it; its result and duration appear in the card. Screenshots at
 * 1440×900 and 800×600.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { launchChromium } from './helpers/browser.js';

const shots = process.env.SHOEBOX_SCREENSHOTS ?? makeTempDir('ui-maintenance-shots');

describe('Queues view: history and maintenance', { skip: needsSharedPhotos }, () => {
  const dir = makeTempDir('ui-maint');
  let serve: ServeChild;
  let browser: Browser;

  const callApi = async <T,>(method: string, body: unknown): Promise<T> => {
    const response = await fetch(`${serve.base}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serve.token}` }, body: JSON.stringify(body) });
    const reply = (await response.json()) as { ok: boolean; result?: T; error?: unknown };
    assert.ok(reply.ok, `${method}: ${JSON.stringify(reply.error)}`);
    return reply.result!;
  };

  before(async () => {
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    for (const name of ['Nikon_D70.jpg', 'Pentax_K10D.jpg', 'Canon_40D.jpg']) fs.copyFileSync(path.join(photosDir, 'jpg', name), path.join(photos, name));
    serve = await startServe(path.join(dir, 'data'), [], { SHOEBOX_METRICS_INTERVAL_MS: '1000', SHOEBOX_INTERACTIVE_WORKER: '0' });
    await callApi('library.addFolders', { paths: [photos] });
    await waitFor(async () => ((await callApi<{ photos: Record<string, number> }>('status.get', {})).photos.done ?? 0) === 3, 4 * 60_000, 'the three photos analysed');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(dir);
  });

  it('metrics.get returns the sampled stage runs and lane depths; ranges are checked', async () => {
    type Metrics = { span: number; buckets: Array<{ counts: Record<string, number>; gauges: Record<string, { n: number }> }> };
    await waitFor(async () => {
      const m = await callApi<Metrics>('metrics.get', { range: 'hour' });
      return m.buckets.reduce((n, b) => n + (b.counts['done.preprocess'] ?? 0), 0) === 3;
    }, 30_000, 'the three preprocess runs in the metrics');
    const hour = await callApi<Metrics>('metrics.get', { range: 'hour' });
    assert.equal(hour.span, 60);
    assert.ok(hour.buckets.some((b) => (b.gauges['depth.default']?.n ?? 0) > 0), 'queue depth sampled');
    assert.ok(hour.buckets.some((b) => (b.gauges['rss.engine']?.n ?? 0) > 0), 'engine memory sampled');
    assert.equal((await callApi<Metrics>('metrics.get', { range: 'week' })).span, 3600);
    const bad = await fetch(`${serve.base}/api/metrics.get`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serve.token}` }, body: JSON.stringify({ range: 'year' }) });
    const reply = (await bad.json()) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(reply.ok, false);
    assert.equal(reply.error.code, 'bad-request');
    assert.match(reply.error.message, /^range: /);
  });

  for (const [width, height] of [[1440, 900], [800, 600]] as const) {
    it(`draws the history and runs a maintenance task from its card (${width}×${height})`, { timeout: 180_000 }, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.goto(serve.openUrl);
      await page.getByRole('button', { name: /^(Show|Hide) the views$/ }).waitFor();
      const showViews = page.getByRole('button', { name: 'Show the views' });
      if (await showViews.isVisible()) await showViews.click();
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Queues' }).click();

      const history = page.getByTestId('metrics');
      await history.getByTestId('metrics-throughput').waitFor({ timeout: 30_000 });
      const keys = await history.getByTestId('metrics-stage').allInnerTexts();
      assert.ok(keys.some((k) => /^preprocess 3\b/.test(k.trim())), keys.join(' | '));
      assert.ok(keys.some((k) => /^failed 0\b/.test(k.trim())), keys.join(' | '));
      assert.match(await history.getByTestId('metrics-memory').innerText(), /engine \d+ MB/);
      for (const chart of ['metrics-throughput', 'metrics-depth', 'metrics-resources']) {
        assert.ok((await history.getByTestId(chart).locator('path[data-series]').count()) > 0, chart);
      }
      await history.getByRole('radio', { name: 'Last day' }).click();
      await history.getByRole('radio', { name: 'Last day', checked: true }).waitFor();
      await history.getByTestId('metrics-throughput').waitFor();
      await history.getByRole('radio', { name: 'Last hour' }).click();
      await history.getByRole('radio', { name: 'Last hour', checked: true }).waitFor();

      const card = page.getByTestId('maintenance');
      const cleanup = card.locator('[data-task="cleanup"]');
      await cleanup.waitFor({ timeout: 30_000 });
      const before = await cleanup.innerText();
      if (width === 1440) {
        assert.match(before, /never ran/);
        await cleanup.getByTestId('maintenance-run').click();
        await waitFor(async () => /ok/.test(await cleanup.innerText()), 90_000, 'the cleanup to run and show its result');
      }
      const text = await cleanup.innerText();
      assert.match(text, /every 24 h/);
      assert.match(text, /took /);
      assert.match(text, /freed/);
      assert.match(await card.locator('[data-task="library-check"]').innerText(), /every 6 h[\s\S]*never ran/);

      await history.scrollIntoViewIfNeeded();
      // JPEG, like the README's other screenshots.
      await page.screenshot({ path: path.join(shots, `${width}-queues-history.jpg`), type: 'jpeg', quality: 80 });
      await page.close();
    });
  }
});
