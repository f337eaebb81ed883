import { useState, useEffect, type FormEvent } from 'react';
import type { IngestInfo } from '../../../src-shared/api/contract.js';
import { useApp } from '../state/context.js';
import { AddFolder } from '../components/AddFolder.js';
import { fileName, plural, timeAgo } from '../format.js';

function FolderList() {
  const folders = useApp((s) => s.folders);
  const rescan = useApp((s) => s.rescanFolder);
  const remove = useApp((s) => s.removeFolder);
  const setFilter = useApp((s) => s.setFilter);
  const setView = useApp((s) => s.setView);
  if (folders.status === 'error') return <p className="bad" role="alert">{folders.message}</p>;
  if (folders.status !== 'ready') return <div className="spinner" aria-hidden="true" />;
  if (folders.data.length === 0) return <p className="muted">No folders yet. Add one above, or drop it on the window.</p>;
  return (
    <ul className="folder-list" data-testid="folders">
      {folders.data.map((f) => (
        <li key={f.path} className="folder" data-path={f.path}>
          <div className="folder-text">
            <strong className="folder-name">{fileName(f.path) || f.path}</strong>
            <span className="muted small folder-path">{f.path}</span>
            <span className="small">
              <button
                className="link"
                onClick={() => {
                  setView('library');
                  setFilter({ folder: f.path });
                }}
                aria-label={`Show the photos of ${f.path}`}
              >
                {plural(f.photos, 'photo')}
              </button>
              {f.done > 0 && f.done !== f.photos && <span> · {f.done.toLocaleString()} done</span>}
              {f.inFlight > 0 && <span> · {f.inFlight.toLocaleString()} to go</span>}
              {f.failed > 0 && <span className="bad"> · {f.failed.toLocaleString()} failed</span>}
              <span className="muted"> · last scan {f.lastScanAt ? timeAgo(f.lastScanAt) : 'never'}</span>
            </span>
          </div>
          <div className="folder-actions">
            <button onClick={() => void rescan(f.path)} aria-label={`Rescan ${f.path}`}>Rescan</button>
            <button
              className="ghost danger"
              aria-label={`Remove ${f.path} from the library`}
              onClick={() => {
                if (window.confirm(`Remove ${f.path} and its ${f.photos} photos from the library?\n\nThe files on disk are not touched; adding the folder again brings them back.`)) void remove(f.path);
              }}
            >
              Remove
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Subfolders that are never analysed (a cache, exports, a private folder inside a library folder). */
function Exclusions() {
  const exclusions = useApp((s) => s.exclusions);
  const exclude = useApp((s) => s.excludeFolder);
  const include = useApp((s) => s.includeFolder);
  const [value, setValue] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (value.trim() && (await exclude(value.trim()))) setValue('');
  };
  return (
    <>
      <form className="add-folder" onSubmit={(e) => void submit(e)}>
        <label htmlFor="exclude-path">A folder inside one above that Shoebox should never analyse</label>
        <input id="exclude-path" type="text" placeholder="/path/to/photos/exports" value={value} onChange={(e) => setValue(e.target.value)} spellCheck={false} autoComplete="off" />
        <button type="submit" disabled={value.trim() === ''}>Exclude</button>
      </form>
      {exclusions.length > 0 && (
        <ul className="folder-list exclusions" data-testid="exclusions">
          {exclusions.map((x) => (
            <li key={x.path} className="folder" data-path={x.path}>
              <span className="folder-path">{x.path}</span>
              <button className="ghost" onClick={() => void include(x.path)} aria-label={`Analyse ${x.path} again`}>Include again</button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ingestLabel(i: IngestInfo): string {
  if (i.roots.length === 1 && i.totals.photos === 1 && !/\/$/.test(i.roots[0]!) && /\.[a-z0-9]{2,5}$/i.test(i.roots[0]!)) return `Analyse again: ${fileName(i.roots[0]!)}`;
  return i.roots.join(', ');
}

function IngestHistory() {
  const history = useApp((s) => s.ingestHistory);
  if (history.status === 'error') return <p className="bad">{history.message}</p>;
  if (history.status !== 'ready') return <div className="spinner" aria-hidden="true" />;
  if (history.data.length === 0) return <p className="muted">Nothing ingested yet.</p>;
  return (
    <div className="table-scroll">
      <table className="history" data-testid="ingest-history">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">What</th>
            <th scope="col" className="num">Photos</th>
            <th scope="col" className="num">New or changed</th>
            <th scope="col" className="num">Unchanged</th>
            <th scope="col" className="num">Failed</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {history.data.map((i) => (
            <tr key={i.id}>
              <td title={i.startedAt}>{timeAgo(i.startedAt)}</td>
              <td className="history-what" title={i.roots.join('\n')}>{ingestLabel(i)}</td>
              <td className="num">{i.totals.photos.toLocaleString()}</td>
              <td className="num">{i.totals.completed.toLocaleString()}</td>
              <td className="num">{i.totals.skipped.toLocaleString()}</td>
              <td className={`num${i.totals.failed ? ' bad' : ''}`}>{i.totals.failed.toLocaleString()}</td>
              <td>{i.state === 'done' && i.totals.skipped > 0 && i.totals.completed === 0 ? 'nothing changed' : i.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The folders in the library (counts, last scan, rescan, remove) and the ingest history. */
export function FoldersView() {
  const loadFolders = useApp((s) => s.loadFolders);
  const loadHistory = useApp((s) => s.loadIngestHistory);
  const ingest = useApp((s) => s.ingest);
  // Follow the running ingest: its totals arrive as events; the lists reload when they change.
  const stamp = ingest ? `${ingest.id}:${ingest.state}:${ingest.totals.photos}:${ingest.totals.completed}` : '';
  useEffect(() => {
    void loadFolders();
    void loadHistory();
  }, [loadFolders, loadHistory, stamp]);
  return (
    <div className="view" data-testid="view-folders">
      <div className="view-head">
        <h2>Folders</h2>
      </div>
      <section className="card">
        <h3>Add a folder</h3>
        <AddFolder />
      </section>
      <section className="card">
        <h3>In the library</h3>
        <FolderList />
      </section>
      <section className="card">
        <h3>Exclusions</h3>
        <Exclusions />
      </section>
      <section className="card">
        <h3>Ingest history</h3>
        <IngestHistory />
      </section>
    </div>
  );
}
