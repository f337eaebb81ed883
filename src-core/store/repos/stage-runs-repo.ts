import { randomUUID } from 'node:crypto';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';

/**
 * Every execution of a stage of a photo, as the worker's stage runner saw it: which revision, which
 * attempt, which worker, when, and how it ended. Written at the start of a stage (outcome `running`)
 * and updated at its end, so a run whose worker died stays `running` forever: the trace of a crash.
 *
 * The accounting (src-core/store/accounting.ts) reads it to tell re-executions (a stage started more
 * than once for one revision: allowed, the queues deliver at least once) from results written twice.
 */
export const STAGE_RUNS_MIGRATIONS: readonly NamedMigration[] = [
  {
    id: 'stage-runs/001-table',
    sql: `
      CREATE TABLE stage_runs (
        id TEXT PRIMARY KEY,
        photo_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        stage TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        job_id TEXT,
        worker_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        error_code TEXT
      );
      CREATE INDEX stage_runs_photo_idx ON stage_runs(photo_id, revision, stage);
    `,
  },
];

export const STAGE_RUN_OUTCOMES = ['running', 'done', 'skipped', 'failed'] as const;
export type StageRunOutcome = (typeof STAGE_RUN_OUTCOMES)[number];

export interface StageRun {
  id: string;
  photoId: string;
  revision: number;
  stage: string;
  attempt: number;
  jobId: string | null;
  workerId: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: StageRunOutcome;
  errorCode: string | null;
}

/** What the runner knows when a stage starts. */
export type StageRunStart = Pick<StageRun, 'photoId' | 'revision' | 'stage' | 'attempt' | 'jobId' | 'workerId'>;

interface StageRunRow {
  id: string;
  photo_id: string;
  revision: number | string;
  stage: string;
  attempt: number | string;
  job_id: string | null;
  worker_id: string;
  started_at: string;
  finished_at: string | null;
  outcome: string;
  error_code: string | null;
}

function toStageRun(row: StageRunRow): StageRun {
  return {
    id: row.id,
    photoId: row.photo_id,
    revision: Number(row.revision),
    stage: row.stage,
    attempt: Number(row.attempt),
    jobId: row.job_id,
    workerId: row.worker_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome as StageRunOutcome,
    errorCode: row.error_code,
  };
}

/** Per (photo, revision, stage): how many times it started and how many runs wrote a result. */
export interface StageRunTally {
  photoId: string;
  revision: number;
  stage: string;
  runs: number;
  completed: number;
}

export class StageRunsRepo {
  constructor(private readonly db: SqlDb) {}

  /** Records a stage starting; returns the run's id for `finish`. */
  async start(run: StageRunStart, at = new Date()): Promise<string> {
    const id = randomUUID();
    await this.db.run(
      `INSERT INTO stage_runs (id, photo_id, revision, stage, attempt, job_id, worker_id, started_at, finished_at, outcome, error_code)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 'running', NULL)`,
      [id, run.photoId, run.revision, run.stage, run.attempt, run.jobId, run.workerId, at.toISOString()],
    );
    return id;
  }

  async finish(id: string, outcome: Exclude<StageRunOutcome, 'running'>, errorCode: string | null = null, at = new Date()): Promise<void> {
    await this.db.run(`UPDATE stage_runs SET outcome = ?, error_code = ?, finished_at = ? WHERE id = ?`, [
      outcome,
      errorCode,
      at.toISOString(),
      id,
    ]);
  }

  /**
   * Cleanup: stage runs that ended before `before` (a retention the maintenance cleanup applies). A run
   * still `running` is kept: it is the trace of a worker that died, whatever its age.
   */
  async pruneFinishedBefore(before: Date): Promise<number> {
    return (await this.db.run(`DELETE FROM stage_runs WHERE outcome <> 'running' AND finished_at < ?`, [before.toISOString()])).changes;
  }

  async listForPhoto(photoId: string): Promise<StageRun[]> {
    const rows = await this.db.all<StageRunRow>(
      `SELECT * FROM stage_runs WHERE photo_id = ? ORDER BY started_at, id`,
      [photoId],
    );
    return rows.map(toStageRun);
  }

  /** Every (photo, revision, stage) that ran, with its run count and completed-run count. */
  async tally(): Promise<StageRunTally[]> {
    const rows = await this.db.all<{ photo_id: string; revision: number | string; stage: string; runs: number | string; completed: number | string }>(
      `SELECT photo_id, revision, stage, COUNT(*) AS runs,
              SUM(CASE WHEN outcome IN ('done', 'skipped') THEN 1 ELSE 0 END) AS completed
       FROM stage_runs GROUP BY photo_id, revision, stage ORDER BY photo_id, revision, stage`,
    );
    return rows.map((r) => ({
      photoId: r.photo_id,
      revision: Number(r.revision),
      stage: r.stage,
      runs: Number(r.runs),
      completed: Number(r.completed),
    }));
  }

  async count(): Promise<number> {
    const row = await this.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM stage_runs');
    return Number(row?.n ?? 0);
  }
}
