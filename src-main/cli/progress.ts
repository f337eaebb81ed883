import cliProgress from 'cli-progress';
import type { IngestProgress } from '../engine/ingest/ingest-runner.js';

/**
 * Progress on a TTY: a bar with done / failed / total, rate and ETA. Without a TTY: a line every
 * 10 s on stderr, so logs of scripted runs stay short.
 */
export function createProgressReporter(enabled: boolean): { update: (p: IngestProgress) => void; stop: () => void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: '{phase} |{bar}| {value}/{total} done · {failed} failed · {rate}/s · ETA {etaText}',
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update: (p) => {
        const done = p.totals.completed + p.totals.failed + p.totals.skipped + p.totals.cancelled;
        const total = Math.max(p.scanned, p.totals.photos);
        const perSecond = (p.totals.completed + p.totals.failed) / Math.max(1, (Date.now() - started) / 1000);
        const payload = {
          phase: p.phase === 'scanning' ? 'scanning ' : 'analysing',
          failed: p.totals.failed,
          rate: perSecond.toFixed(1),
          etaText: formatEta(perSecond > 0 ? (total - done) / perSecond : null),
        };
        if (!startedBar) {
          bar.start(total, done, payload);
          startedBar = true;
        }
        bar.setTotal(total);
        bar.update(done, payload);
      },
      stop: () => startedBar && bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p) => {
      if (Date.now() - last < 10_000) return;
      last = Date.now();
      const t = p.totals;
      process.stderr.write(`${p.phase}: ${t.completed + t.failed + t.skipped}/${Math.max(p.scanned, t.photos)} done, ${t.failed} failed\n`);
    },
    stop: () => undefined,
  };
}

/** "42s", "7m 05s", "1h 12m"; "…" until a rate is known. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '…';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
