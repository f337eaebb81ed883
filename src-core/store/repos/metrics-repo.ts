/**
 * Engine metrics in the store (issue 18): one row per bucket and resolution (1 min kept 24 h, 15 min
 * kept 8 days), its counters and gauges as one small JSON document, so a week costs ~2,200 rows
 * whatever the library's size. Also the per-stage counts of finished stage runs a sample takes.
 * Written once for both databases.
 */
import { addSample, emptyBucket, MetricBucket, MINUTE_S, QUARTER_S, RETENTION_MS, type MetricSample } from '../../../src-shared/metrics.js';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';

export const METRICS_MIGRATIONS: NamedMigration[] = [
  {
    id: 'metrics/001-buckets',
    sql: `CREATE TABLE metric_buckets (
            span INTEGER NOT NULL,
            at {{bigint}} NOT NULL,
            samples INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (span, at)
          );
          CREATE INDEX stage_runs_finished_idx ON stage_runs(finished_at)`,
  },
];

/** The resolutions a sample is merged into. */
export const SPANS = [MINUTE_S, QUARTER_S] as const;

const BucketData = MetricBucket.pick({ counts: true, gauges: true });

interface BucketRow {
  span: number | string;
  at: number | string;
  samples: number | string;
  data: string;
}

function fromRow(row: BucketRow): MetricBucket {
  const data = BucketData.parse(JSON.parse(row.data));
  return { at: Number(row.at), span: Number(row.span), samples: Number(row.samples), ...data };
}

export class MetricsRepo {
  constructor(private readonly db: SqlDb) {}

  /** Merges one sample taken at `atMs` into its minute and its quarter-hour bucket. */
  async record(atMs: number, sample: MetricSample): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const span of SPANS) {
        const at = Math.floor(atMs / (span * 1000)) * span * 1000;
        const row = await tx.get<BucketRow>('SELECT span, at, samples, data FROM metric_buckets WHERE span = ? AND at = ?', [span, at]);
        const merged = addSample(row ? fromRow(row) : emptyBucket(at, span), sample);
        await tx.run(
          `INSERT INTO metric_buckets (span, at, samples, data) VALUES (?, ?, ?, ?)
           ON CONFLICT (span, at) DO UPDATE SET samples = excluded.samples, data = excluded.data`,
          [span, at, merged.samples, JSON.stringify({ counts: merged.counts, gauges: merged.gauges })],
        );
      }
    });
  }

  /** Buckets of one resolution with `fromMs <= at < toMs`, oldest first. */
  async series(span: number, fromMs: number, toMs: number): Promise<MetricBucket[]> {
    const rows = await this.db.all<BucketRow>('SELECT span, at, samples, data FROM metric_buckets WHERE span = ? AND at >= ? AND at < ? ORDER BY at', [span, fromMs, toMs]);
    return rows.map(fromRow);
  }

  /** Drops the buckets past their resolution's retention; returns how many. */
  async prune(nowMs = Date.now()): Promise<number> {
    let removed = 0;
    for (const span of SPANS) removed += (await this.db.run('DELETE FROM metric_buckets WHERE span = ? AND at < ?', [span, nowMs - RETENTION_MS[span]!])).changes;
    return removed;
  }

  async count(): Promise<number> {
    return Number((await this.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM metric_buckets'))?.n ?? 0);
  }

  /**
   * Stage runs that ended in `[from, to)` by stage and outcome: `done.<stage>`, `failed.<stage>` (a
   * skipped stage counts as done: the photo went through it). From the store, so the stages run by
   * workers on other machines count too.
   */
  async stageCounts(from: Date, to: Date): Promise<Record<string, number>> {
    const rows = await this.db.all<{ stage: string; outcome: string; n: number | string }>(
      `SELECT stage, outcome, COUNT(*) AS n FROM stage_runs WHERE finished_at >= ? AND finished_at < ? AND outcome <> 'running' GROUP BY stage, outcome`,
      [from.toISOString(), to.toISOString()],
    );
    const counts: Record<string, number> = {};
    for (const r of rows) {
      const key = `${r.outcome === 'failed' ? 'failed' : 'done'}.${r.stage}`;
      counts[key] = (counts[key] ?? 0) + Number(r.n);
    }
    return counts;
  }
}
