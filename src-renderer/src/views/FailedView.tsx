import { useEffect } from 'react';
import { useApp } from '../state/context.js';
import { useMediaUrl } from '../components/media.js';
import { fileName, timeAgo } from '../format.js';

export function FailedView() {
  const failed = useApp((s) => s.failed);
  const load = useApp((s) => s.loadFailed);
  const retry = useApp((s) => s.retry);
  const retryGroup = useApp((s) => s.retryGroup);
  const retryAll = useApp((s) => s.retryAll);
  const discard = useApp((s) => s.discard);
  const skipFile = useApp((s) => s.skipFile);
  const failedCount = useApp((s) => s.photoCounts.failed ?? 0);
  const media = useMediaUrl();
  // Reload when the number of failed photos changes (events), and on entering the view.
  useEffect(() => {
    void load();
  }, [load, failedCount]);

  let body;
  if (failed.status === 'idle' || failed.status === 'loading') {
    body = (
      <div className="center-state" aria-busy="true">
        <div className="spinner" aria-hidden="true" />
        <p className="muted">Loading failed photos…</p>
      </div>
    );
  } else if (failed.status === 'error') {
    body = (
      <div className="center-state" role="alert">
        <h3>Could not load the failed photos</h3>
        <p className="muted">{failed.message}</p>
        <button className="primary" onClick={() => void load()}>Try again</button>
      </div>
    );
  } else if (failed.data.total === 0) {
    body = (
      <div className="center-state">
        <h3>Nothing failed</h3>
        <p className="muted">Photos that cannot be analysed show up here, grouped by cause, with what went wrong.</p>
      </div>
    );
  } else {
    body = failed.data.groups.map((group) => (
      <section key={group.code} className="card failed-group" aria-labelledby={`group-${group.code}`} data-code={group.code}>
        <div className="group-head">
          <h3 id={`group-${group.code}`}>
            {group.label} <span className="muted">{group.count}</span>
          </h3>
          <button onClick={() => void retryGroup(group.code)}>Retry {group.count > 1 ? `all ${group.count}` : 'group'}</button>
        </div>
        <ul className="failed-list">
          {group.items.map((item) => (
            <li key={item.jobId} className="failed-item" data-photo-id={item.photoId}>
              <div className="failed-thumb">
                {item.thumbnail ? <img src={media(item.thumbnail)} alt="" loading="lazy" /> : <span aria-hidden="true">⚠</span>}
              </div>
              <div className="failed-text">
                <strong className="name">{fileName(item.path)}</strong>
                <span className="muted path" title={item.path}>{item.path}</span>
                <span className="reason" data-testid="failed-reason">
                  <span className="tag">{item.stage ?? 'unknown stage'}</span> {item.error}
                </span>
                <span className="muted small">
                  {item.attempts} {item.attempts === 1 ? 'attempt' : 'attempts'} · {timeAgo(item.failedAt)}
                </span>
              </div>
              <div className="failed-actions">
                <button onClick={() => void retry(item.jobId)} aria-label={`Retry ${fileName(item.path)}`}>Retry</button>
                <button className="ghost" onClick={() => void discard(item.jobId)} aria-label={`Discard ${fileName(item.path)}`}>Discard</button>
                <button className="ghost" onClick={() => void skipFile(item.jobId)} aria-label={`Skip ${fileName(item.path)} from now on`} title="Never analyse this file again (undo below)">Skip from now on</button>
              </div>
            </li>
          ))}
        </ul>
      </section>
    ));
  }
  const total = failed.status === 'ready' ? failed.data.total : 0;
  return (
    <div className="view" data-testid="view-failed">
      <div className="view-head">
        <h2>Failed</h2>
        <div className="actions">
          <button onClick={() => void retryAll()} disabled={total === 0}>Retry all</button>
        </div>
      </div>
      {body}
      <SkippedFiles />
    </div>
  );
}

/** Files the person chose to skip from now on; "Analyse again" undoes it. */
function SkippedFiles() {
  const skipped = useApp((s) => s.skipped);
  const load = useApp((s) => s.loadSkipped);
  const unskip = useApp((s) => s.unskip);
  useEffect(() => {
    void load();
  }, [load]);
  if (skipped.status !== 'ready' || skipped.data.length === 0) return null;
  return (
    <section className="card" aria-labelledby="skipped-head" data-testid="skipped-files">
      <h3 id="skipped-head">
        Skipped from now on <span className="muted">{skipped.data.length}</span>
      </h3>
      <ul className="skipped-list">
        {skipped.data.map((entry) => (
          <li key={entry.path} data-path={entry.path}>
            <div className="failed-text">
              <strong className="name">{fileName(entry.path)}</strong>
              <span className="muted path" title={entry.path}>{entry.path}</span>
              <span className="muted small">{entry.reason} · {timeAgo(entry.at)}</span>
            </div>
            <button onClick={() => void unskip(entry.path)} aria-label={`Stop skipping ${fileName(entry.path)}`}>Analyse again</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
