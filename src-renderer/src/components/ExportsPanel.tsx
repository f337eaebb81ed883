/**
 * The Queues view's exports (issue 16): each export's progress, rate and time left (from the recent
 * completion rate, computed by the engine), its state (a pause with its reason), pause / resume /
 * cancel, and "Open folder" on a finished export.
 */
import { useEffect } from 'react';
import { useExports, type ExportDto } from '../state/exports-store.js';
import { duration } from '../format.js';

const POLL_MS = 2000;

/** "12/min · about 3 min 5 s left" while running; "estimating time left…" until a rate is known. */
function rateLine(e: ExportDto): string | null {
  if (e.state !== 'running' || e.pending === 0) return null;
  if (e.perMinute === null || e.etaSeconds === null) return 'estimating time left…';
  return `${e.perMinute.toFixed(e.perMinute < 10 ? 1 : 0)}/min · about ${duration(e.etaSeconds)} left`;
}

function ExportRow({ e }: { e: ExportDto }) {
  const act = useExports((s) => s.act);
  const openFolder = useExports((s) => s.openFolder);
  const opened = useExports((s) => (s.opened?.id === e.id ? s.opened : null));
  const busy = useExports((s) => s.busy) === e.id;
  const finished = e.done + e.failed;
  const pct = e.total > 0 ? Math.round((finished / e.total) * 100) : 100;
  const rate = rateLine(e);
  return (
    <tr data-testid="export-row" data-state={e.state}>
      <td className="wrap" title={e.targetDir}>
        {e.targetDir}
        {opened && <div className={`small ${opened.ok ? 'muted' : 'bad'}`} role="status">{opened.message}</div>}
      </td>
      <td>
        <progress max={e.total} value={finished} aria-label={`export progress ${pct}%`} /> {finished}/{e.total}
        {e.failed > 0 && <span className="bad"> · {e.failed} failed</span>}
        {rate && <div className="small muted" data-testid="export-eta">{rate}</div>}
      </td>
      <td className="wrap">
        <span className={`pill pill-${e.state === 'done' ? 'idle' : e.state === 'running' ? 'running' : 'paused'}`}>{e.state}</span>
        {e.reason && <div className="small muted">{e.reason}</div>}
      </td>
      <td>
        {/* .actions is a flex row: inside the cell, so the cell stays a table cell (its border lines up) */}
        <div className="actions">
          {e.state === 'running' && <button disabled={busy} onClick={() => void act('pause', e.id)}>Pause</button>}
          {e.state === 'paused' && <button className="primary" disabled={busy} onClick={() => void act('resume', e.id)}>Resume</button>}
          {(e.state === 'running' || e.state === 'paused') && <button className="ghost" disabled={busy} onClick={() => void act('cancel', e.id)}>Cancel</button>}
          {e.state === 'done' && e.done > 0 && <button onClick={() => void openFolder(e.id)}>Open folder</button>}
        </div>
      </td>
    </tr>
  );
}

export function ExportsPanel() {
  const exports = useExports((s) => s.exports);
  const error = useExports((s) => s.error);
  const refresh = useExports((s) => s.refresh);
  const openWhenDone = useExports((s) => s.openWhenDone);
  const setOpenWhenDone = useExports((s) => s.setOpenWhenDone);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  return (
    <section className="card" data-testid="exports-panel">
      <h3>Exports</h3>
      {error && <p className="bad small">Exports unavailable: {error}</p>}
      {exports.length === 0 ? (
        <p className="muted small">No exports yet. <code>shoebox export … --to DIR</code> renders photos with a preset into a folder.</p>
      ) : (
        <div className="table-scroll">
          <table className="history exports">
            <thead>
              <tr><th>Folder</th><th>Progress</th><th>State</th><th /></tr>
            </thead>
            <tbody>
              {exports.map((e) => <ExportRow key={e.id} e={e} />)}
            </tbody>
          </table>
        </div>
      )}
      <label className="small">
        <input type="checkbox" checked={openWhenDone} onChange={(ev) => setOpenWhenDone(ev.target.checked)} /> Open the folder when an export started here finishes
      </label>
    </section>
  );
}
