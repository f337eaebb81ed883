import { ExportsPanel } from '../components/ExportsPanel.js';
import { useEffect } from 'react';
import { LANES, type Lane } from '../../../src-shared/lanes.js';
import { useApp } from '../state/context.js';
import { LaneJobs } from '../components/LaneJobs.js';
import { useMediaUrl } from '../components/media.js';
import { HostsCard } from './HostsCard.js';
import { ThroughputChart } from '../components/ThroughputChart.js';
import { useEta } from '../components/eta.js';
import { AddFolder } from '../components/AddFolder.js';
import { MetricsCard } from '../components/MetricsCard.js';
import { MaintenanceCard } from '../components/MaintenanceCard.js';
import { duration, fileName, laneName, plural } from '../format.js';

const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'paused'] as const;

function LanesTable() {
  const lanes = useApp((s) => s.lanes)!;
  const pauses = useApp((s) => s.pauses);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  const purge = useApp((s) => s.purge);
  const openLaneJobs = useApp((s) => s.openLaneJobs);
  const open = useApp((s) => s.laneJobs);
  return (
    <div className="table-scroll">
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
                <td key={s} className={`num${c[s] > 0 ? ` has-${s}` : ''}`} data-state={s}>
                  <button
                    className={`count${open?.lane === lane && open.state === s ? ' open' : ''}`}
                    onClick={() => void openLaneJobs(lane, s)}
                    aria-label={`${c[s]} ${s} jobs in ${laneName(lane)}: list them`}
                  >
                    {c[s].toLocaleString()}
                  </button>
                </td>
              ))}
              <td>
                {c.isPaused ? (
                  <>
                    <span className="pill pill-paused">paused</span>
                    {pausedBy?.reason && <span className="pause-reason small muted" data-testid="pause-reason">{pausedBy.by === 'system' ? 'by the system: ' : ''}{pausedBy.reason}</span>}
                  </>
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
    </div>
  );
}

const WORKER_ROLE_TITLES = {
  cpu: 'CPU workers',
  ml: 'ML workers',
  interactive: 'Interactive worker',
} as const;

function Workers() {
  const workers = useApp((s) => s.workers);
  const holding = useApp((s) => s.holding);
  const loadHolding = useApp((s) => s.loadHolding);
  const openPhoto = useApp((s) => s.openPhoto);
  const setView = useApp((s) => s.setView);
  const media = useMediaUrl();
  const busy = workers.some((w) => w.state === 'busy');
  // The photo each worker holds changes with every job: polled while this view shows and work runs.
  useEffect(() => {
    void loadHolding();
    if (!busy) return;
    const timer = setInterval(() => void loadHolding(), 1500);
    return () => clearInterval(timer);
  }, [busy, loadHolding]);
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
                    {holding
                      .filter((h) => h.workerId === w.id)
                      .slice(0, 2)
                      .map((h) => (
                        <button
                          key={h.jobId}
                          className="held"
                          data-testid="worker-photo"
                          title={h.path ?? h.jobId}
                          onClick={() => {
                            if (!h.photoId) return;
                            setView('library');
                            void openPhoto(h.photoId);
                          }}
                        >
                          {h.thumbnail ? <img src={media(h.thumbnail)} alt="" /> : <span aria-hidden="true">▣</span>}
                          <span>{h.path ? fileName(h.path) : h.jobId}</span>
                        </button>
                      ))}
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
  const setView = useApp((s) => s.setView);
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
        {ingest.state === 'done' ? 'Last ingest' : 'Running ingest'}{' '}
        <span className="muted">{ingest.roots.length === 1 && ingest.totals.photos === 1 && /\.[a-z0-9]{2,5}$/i.test(ingest.roots[0]!) ? `analyse again: ${fileName(ingest.roots[0]!)}` : ingest.roots.join(', ')}</span>
      </h3>
      <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="Ingest progress">
        <div style={{ width: `${pct}%` }} />
      </div>
      <p className="stats">
        <span>{finished.toLocaleString()} / {plural(t.photos, 'photo')}</span>
        {(t.completed > 0 || t.skipped === 0) && <span>{t.completed.toLocaleString()} analysed</span>}
        {t.skipped > 0 && <span>{t.skipped.toLocaleString()} unchanged</span>}
        {t.failed > 0 && <span className="bad">{t.failed.toLocaleString()} failed</span>}
        {t.queued + t.processing > 0 && <span>{(t.queued + t.processing).toLocaleString()} to go</span>}
        {eta !== null && <span>ETA {duration(eta)}</span>}
        {scanning && <span>scanning folders…</span>}
        <span className="muted">{ingest.state === 'done' && t.skipped > 0 && t.completed === 0 && t.queued + t.processing === 0 ? 'nothing changed' : ingest.state}</span>
        <button className="link" onClick={() => setView('folders')}>Folders and history</button>
      </p>
    </section>
  );
}

export function QueuesView() {
  const samples = useApp((s) => s.samples);
  const laneJobs = useApp((s) => s.laneJobs);
  return (
    <div className="view" data-testid="view-queues">
      <div className="view-head">
        <h2>Queues</h2>
        <span className="muted small">Pause or resume everything from the bar at the top; each lane below. Click a count to list its jobs.</span>
      </div>
      <IngestCard />
      <section className="card">
        <h3>Lanes</h3>
        <LanesTable />
        {laneJobs && <LaneJobs />}
      </section>
      <section className="card">
        <h3>Throughput</h3>
        <ThroughputChart samples={samples} />
      </section>
      <MetricsCard />
      <Workers />
      <HostsCard />
      <ExportsPanel />
      <MaintenanceCard />
    </div>
  );
}
