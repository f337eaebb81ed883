import { LANES, type Lane } from '../../../src-shared/lanes.js';
import { useApp } from '../state/context.js';
import { HostsCard } from './HostsCard.js';
import { ThroughputChart } from '../components/ThroughputChart.js';
import { useEta } from '../components/eta.js';
import { AddFolder } from '../components/AddFolder.js';
import { duration, laneName, plural } from '../format.js';

const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'paused'] as const;

function LanesTable() {
  const lanes = useApp((s) => s.lanes)!;
  const pauses = useApp((s) => s.pauses);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  const purge = useApp((s) => s.purge);
  return (
    <table className="lanes" data-testid="lanes">
      <caption className="sr-only">Jobs per lane and state</caption>
      <thead>
        <tr>
          <th scope="col">Lane</th>
          {STATES.map((s) => (
            <th scope="col" key={s} className="num">{s}</th>
          ))}
          <th scope="col">State</th>
          <th scope="col"><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {LANES.map((lane: Lane) => {
          const c = lanes[lane];
          const pausedBy = pauses.find((p) => p.scope === lane || p.scope === 'all');
          return (
            <tr key={lane} data-lane={lane}>
              <th scope="row">{laneName(lane)}</th>
              {STATES.map((s) => (
                <td key={s} className={`num${c[s] > 0 ? ` has-${s}` : ''}`} data-state={s}>{c[s].toLocaleString()}</td>
              ))}
              <td>
                {c.isPaused ? (
                  <span className="pill pill-paused" title={pausedBy?.reason}>paused</span>
                ) : (
                  <span className={`pill ${c.active > 0 ? 'pill-running' : 'pill-idle'}`}>{c.active > 0 ? 'running' : 'idle'}</span>
                )}
              </td>
              <td className="row-actions">
                {c.isPaused ? (
                  <button onClick={() => void resume(lane)} aria-label={`Resume ${laneName(lane)}`}>Resume</button>
                ) : (
                  <button onClick={() => void pause(lane)} aria-label={`Pause ${laneName(lane)}`}>Pause</button>
                )}
                <button
                  className="ghost"
                  disabled={c.waiting + c.delayed + c.prioritized + c.paused === 0}
                  onClick={() => {
                    if (window.confirm(`Remove every waiting job from ${laneName(lane)}? Unfinished photos are queued again by the next sweep.`)) void purge(lane);
                  }}
                  aria-label={`Purge ${laneName(lane)}`}
                >
                  Purge
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const WORKER_ROLE_TITLES = {
  cpu: 'CPU workers',
  ml: 'ML workers',
  interactive: 'Interactive worker',
} as const;

function Workers() {
  const workers = useApp((s) => s.workers);
  return (
    <div className="worker-classes">
      {(['cpu', 'ml', 'interactive'] as const).map((cls) => {
        const list = workers.filter((w) => w.workerClass === cls);
        if (cls === 'interactive' && list.length === 0) return null; // turned off in the settings
        return (
          <section key={cls} className="card" aria-labelledby={`workers-${cls}`}>
            <h3 id={`workers-${cls}`}>{WORKER_ROLE_TITLES[cls]} <span className="muted">{list.length}</span></h3>
            {cls === 'interactive' && <p className="muted small">Photos you open or ask for first, at normal priority; the other workers run at low priority.</p>}
            {list.length === 0 ? (
              <p className="muted">None running.</p>
            ) : (
              <ul className="workers">
                {list.map((w) => (
                  <li key={w.id} data-testid="worker">
                    <span className={`dot dot-${w.state}`} aria-hidden="true" />
                    <strong>{w.id}</strong>
                    <span className="worker-state">{w.state}</span>
                    <span className="muted">{w.rssMb !== null ? `${w.rssMb} MB` : '—'}</span>
                    <span className="muted">{plural(w.jobsDone, 'job')}</span>
                    {w.restarts > 0 && <span className="warn" title={w.reason ?? undefined}>{plural(w.restarts, 'restart')}</span>}
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}

function IngestCard() {
  const ingest = useApp((s) => s.ingest);
  const scanning = useApp((s) => s.scanning);
  const eta = useEta();
  if (!ingest) {
    return (
      <section className="card empty-card">
        <h3>Nothing analysed yet</h3>
        <p className="muted">Add a folder of photos: Shoebox reads their metadata, makes thumbnails and runs the analysis stages on this machine.</p>
        <AddFolder />
      </section>
    );
  }
  const t = ingest.totals;
  const finished = t.completed + t.failed + t.cancelled + t.skipped;
  const pct = t.photos ? Math.round((100 * finished) / t.photos) : 0;
  return (
    <section className="card" aria-labelledby="ingest-title" data-testid="ingest">
      <h3 id="ingest-title">
        {ingest.state === 'done' ? 'Last ingest' : 'Running ingest'} <span className="muted">{ingest.roots.join(', ')}</span>
      </h3>
      <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="Ingest progress">
        <div style={{ width: `${pct}%` }} />
      </div>
      <p className="stats">
        <span>{finished.toLocaleString()} / {plural(t.photos, 'photo')}</span>
        <span>{t.completed.toLocaleString()} done</span>
        {t.skipped > 0 && <span>{t.skipped.toLocaleString()} unchanged</span>}
        {t.failed > 0 && <span className="bad">{t.failed.toLocaleString()} failed</span>}
        {t.queued + t.processing > 0 && <span>{(t.queued + t.processing).toLocaleString()} to go</span>}
        {eta !== null && <span>ETA {duration(eta)}</span>}
        {scanning && <span>scanning folders…</span>}
        <span className="muted">{ingest.state}</span>
      </p>
    </section>
  );
}

export function QueuesView() {
  const samples = useApp((s) => s.samples);
  const lanes = useApp((s) => s.lanes)!;
  const anyPaused = Object.values(lanes).some((l) => l.isPaused);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  return (
    <div className="view" data-testid="view-queues">
      <div className="view-head">
        <h2>Queues</h2>
        <div className="actions">
          <button onClick={() => void pause('all')}>Pause all</button>
          <button onClick={() => void resume('all')} disabled={!anyPaused}>Resume all</button>
        </div>
      </div>
      <IngestCard />
      <section className="card">
        <h3>Lanes</h3>
        <LanesTable />
      </section>
      <section className="card">
        <h3>Throughput</h3>
        <ThroughputChart samples={samples} />
      </section>
      <Workers />
      <HostsCard />
    </div>
  );
}
