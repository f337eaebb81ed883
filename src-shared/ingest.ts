export const INGEST_STATES = ['scanning', 'running', 'done', 'cancelled', 'interrupted'] as const;
export type IngestState = (typeof INGEST_STATES)[number];

export interface IngestRecord {
  id: string;
  roots: string[];
  state: IngestState;
  startedAt: string;
  finishedAt: string | null;
}

/** Per-ingest totals, counted from the photos' states in the store. */
export interface IngestTotals {
  /** Photos found by the scan (new, changed and unchanged). */
  photos: number;
  queued: number;
  processing: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Unchanged since their last analysis: no work done. */
  skipped: number;
}
