/**
 * The Queues view's maintenance card (issue 18): each upkeep task with its schedule, last run
 * (when, how long, its result in words), next run, and "Run now". The list comes with the history
 * charts' poll (state/maintenance-store.ts).
 */
import { duration } from '../format.js';
import { useMaintenance, type MaintenanceTaskDto } from '../state/maintenance-store.js';
import './maintenance.css';

const TASK_LABEL: Record<string, string> = {
  'library-check': 'Library check',
  cleanup: 'Cleanup',
  'index-maintenance': 'Index maintenance',
  'prune-cache': 'Prune temp files',
  'optimize-store': 'Optimise store',
  regroup: 'Regroup duplicates & bursts',
};

const bytes = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} kB` : `${n} B`);

/** A task's result object in a few words ("3 files removed, 1.2 MB freed"). */
export function resultText(result: unknown): string {
  if (result === null || typeof result !== 'object') return String(result ?? '');
  const r = result as Record<string, unknown>;
  if (typeof r.error === 'string') return r.error;
  if (typeof r.skipped === 'string') return `skipped: ${r.skipped}`;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(r)) {
    if (key === 'bytesFreed' && typeof value === 'number') parts.push(`${bytes(value)} freed`);
    else if (value === 0) continue; // "removed logs 0" says nothing
    else if (typeof value === 'number') parts.push(`${key.replace(/([A-Z])/g, ' $1').toLowerCase()} ${value.toLocaleString('en')}`);
    else if (typeof value === 'string') parts.push(`${key} ${value}`);
    else if (Array.isArray(value)) parts.push(`${key}: ${value.join(', ')}`);
  }
  return parts.length ? parts.join(' · ') : 'nothing to do';
}

const when = (iso: string) => new Date(iso).toLocaleString('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

function TaskRow({ t }: { t: MaintenanceTaskDto }) {
  const runNow = useMaintenance((s) => s.runNow);
  const busy = useMaintenance((s) => s.busy) === t.task;
  const last = t.lastRun;
  return (
    <tr data-testid="maintenance-task" data-task={t.task}>
      <td>
        {TASK_LABEL[t.task] ?? t.task}
        <div className="small muted">{t.everyHours ? `every ${t.everyHours} h` : 'on demand'}</div>
      </td>
      <td>
        {last ? (
          <>
            <span className={`pill pill-${last.ok ? 'idle' : 'paused'}`}>{last.ok ? 'ok' : 'failed'}</span> {when(last.finishedAt)}
            <div className="small muted">took {last.ms < 1000 ? `${Math.round(last.ms)} ms` : duration(last.ms / 1000)}</div>
          </>
        ) : (
          <span className="muted">never ran</span>
        )}
      </td>
      <td className="result small">{last ? resultText(last.result) : ''}</td>
      <td className="small">{t.pending === 'running' ? 'running now' : t.pending === 'queued' ? 'queued' : t.nextRunAt ? when(t.nextRunAt) : '—'}</td>
      <td className="actions">
        <button disabled={busy || t.pending !== null} onClick={() => void runNow(t.task)} data-testid="maintenance-run">
          Run now
        </button>
      </td>
    </tr>
  );
}

export function MaintenanceCard() {
  const maintenance = useMaintenance((s) => s.maintenance);
  if (!maintenance) return null;
  return (
    <section className="card" aria-labelledby="maintenance-title" data-testid="maintenance">
      <h3 id="maintenance-title">
        Maintenance{' '}
        {maintenance.missingPhotos > 0 && <span className="small warn">{maintenance.missingPhotos.toLocaleString('en')} photos missing from disk (results kept)</span>}
      </h3>
      <div className="table-scroll">
        <table className="lanes maintenance-table">
          <thead>
            <tr>
              <th>Task</th>
              <th>Last run</th>
              <th>Result</th>
              <th>Next run</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {maintenance.tasks.map((t) => (
              <TaskRow key={t.task} t={t} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
