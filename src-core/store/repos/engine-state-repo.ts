import type { Lane } from '../../../src-shared/lanes.js';
import { pauseFromRow, workerFromRow, type PauseRow, type WorkerRow } from '../rows.js';
import type { SqlDb } from '../sql/sql-db.js';
import type { PauseRecord, WorkerStatus } from '../store.js';

/** Engine state that must survive a restart: paused lanes and the worker processes' last status. */
export class EngineStateRepo {
  constructor(private readonly db: SqlDb) {}

  async setPause(pause: PauseRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO pauses (scope, by, reason, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET by = excluded.by, reason = excluded.reason, at = excluded.at`,
      [pause.scope, pause.by, pause.reason, pause.at],
    );
  }

  async clearPause(scope: Lane | 'all'): Promise<void> {
    await this.db.run('DELETE FROM pauses WHERE scope = ?', [scope]);
  }

  /** By scope in code-point order (the same in both databases, whatever their collation). */
  async listPauses(): Promise<PauseRecord[]> {
    const rows = await this.db.all<PauseRow>('SELECT * FROM pauses');
    return rows.sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0)).map(pauseFromRow);
  }

  async upsertWorker(s: WorkerStatus): Promise<void> {
    await this.db.run(
      `INSERT INTO workers (id, worker_class, pid, state, reason, rss_mb, jobs_done, restarts, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET worker_class = excluded.worker_class, pid = excluded.pid,
         state = excluded.state, reason = excluded.reason, rss_mb = excluded.rss_mb,
         jobs_done = excluded.jobs_done, restarts = excluded.restarts, updated_at = excluded.updated_at`,
      [s.id, s.workerClass, s.pid, s.state, s.reason, s.rssMb, s.jobsDone, s.restarts, s.updatedAt],
    );
  }

  async listWorkers(): Promise<WorkerStatus[]> {
    return (await this.db.all<WorkerRow>('SELECT * FROM workers ORDER BY id')).map(workerFromRow);
  }

  /** Drops worker rows (at engine start: the previous run's workers are gone). */
  async clearWorkers(): Promise<void> {
    await this.db.run('DELETE FROM workers');
  }
}
