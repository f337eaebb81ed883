/** The Queues view's exports (issue 16): each export's progress and state, with pause / resume / cancel. */
import { useEffect } from 'react';
import { useExports, type ExportDto } from '../state/exports-store.js';

const POLL_MS = 2000;

function ExportRow({ e }: { e: ExportDto }) {
  const act = useExports((s) => s.act);
  const busy = useExports((s) => s.busy) === e.id;
  const finished = e.done + e.failed;
  const pct = e.total > 0 ? Math.round((finished / e.total) * 100) : 100;
  return (
    <tr data-testid="export-row" data-state={e.state}>
      <td className="wrap" title={e.targetDir}>{e.targetDir}</td>
      <td>
        <progress max={e.total} value={finished} aria-label={`export progress ${pct}%`} /> {finished}/{e.total}
        {e.failed > 0 && <span className="bad"> · {e.failed} failed</span>}
      </td>
      <td className="wrap">
        <span className={`pill pill-${e.state === 'done' ? 'idle' : e.state === 'running' ? 'running' : 'paused'}`}>{e.state}</span>
        {e.reason && <div className="small muted">{e.reason}</div>}
      </td>
      <td className="actions">
        {e.state === 'running' && <button disabled={busy} onClick={() => void act('pause', e.id)}>Pause</button>}
        {e.state === 'paused' && <button className="primary" disabled={busy} onClick={() => void act('resume', e.id)}>Resume</button>}
        {(e.state === 'running' || e.state === 'paused') && <button className="ghost" disabled={busy} onClick={() => void act('cancel', e.id)}>Cancel</button>}
      </td>
    </tr>
  );
}

export function ExportsPanel() {
  const exports = useExports((s) => s.exports);
  const error = useExports((s) => s.error);
  const refresh = useExports((s) => s.refresh);
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
    </section>
  );
}
