import { useApp } from '../state/context.js';
import { useMediaUrl } from './media.js';
import { duration, fileName, laneName } from '../format.js';

/** bull-board's job list: the jobs behind one count of the lanes table (newest first). */
export function LaneJobs() {
  const open = useApp((s) => s.laneJobs)!;
  const close = useApp((s) => s.closeLaneJobs);
  const reopen = useApp((s) => s.openLaneJobs);
  const openPhoto = useApp((s) => s.openPhoto);
  const setView = useApp((s) => s.setView);
  const media = useMediaUrl();
  const { lane, state, load } = open;
  return (
    <section className="lane-jobs" aria-label={`${state} jobs in ${laneName(lane)}`} data-testid="lane-jobs">
      <div className="group-head">
        <h4>
          {laneName(lane)} · {state} {load.status === 'ready' && <span className="muted">({load.data.total.toLocaleString()}{load.data.total > load.data.jobs.length ? `, newest ${load.data.jobs.length} shown` : ''})</span>}
        </h4>
        <span>
          <button className="ghost" onClick={() => void reopen(lane, state)}>Refresh</button>
          <button className="ghost" aria-label="Close the job list" onClick={close}>×</button>
        </span>
      </div>
      {load.status === 'loading' || load.status === 'idle' ? (
        <div className="spinner" aria-hidden="true" />
      ) : load.status === 'error' ? (
        <p className="bad" role="alert">{load.message}</p>
      ) : load.data.jobs.length === 0 ? (
        <p className="muted">No {state} jobs in this lane right now.</p>
      ) : (
        <ul className="job-list">
          {load.data.jobs.map((j) => (
            <li key={`${j.queue}:${j.id}`} className="job" data-job-id={j.id}>
              <button
                className="job-thumb"
                disabled={!j.photoId}
                aria-label={j.path ? `Open ${fileName(j.path)}` : 'no photo'}
                onClick={() => {
                  if (!j.photoId) return;
                  setView('library');
                  void openPhoto(j.photoId);
                }}
              >
                {j.thumbnail ? <img src={media(j.thumbnail)} alt="" /> : <span aria-hidden="true">▣</span>}
              </button>
              <div className="job-text">
                <strong>{j.path ? fileName(j.path) : j.id}</strong>
                <span className="muted small">
                  {j.name === 'photo.cpu' ? 'decode, thumbnails, metadata' : j.name === 'photo.ml' ? 'detect, tag, embed, quality' : j.name}
                  {j.stage ? ` · stopped at ${j.stage}` : ''} · {j.attempts} attempt{j.attempts === 1 ? '' : 's'} · added {duration((Date.now() - j.addedAt) / 1000)} ago
                </span>
                {j.error && <span className="reason bad small">{j.error}</span>}
                {j.stack && (
                  <details className="small">
                    <summary>Stack</summary>
                    <pre className="stack">{j.stack}</pre>
                  </details>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
