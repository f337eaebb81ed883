/**
 * Library accounting: what a crash, a retry or a bug could have lost or written twice, checked on the
 * stored data of either store (one SQL surface, src-core/store/sql).
 *
 * - `accountDuplicates`: results stored twice. One live photo per file (its path, and with `files`
 *   the file it resolves to on disk), one row per (photo, stage) in every per-stage table, no face or
 *   object listed twice in a detection. Other features add their own check with `registerDuplicateCheck`
 *   (group membership, exported file, sidecar…). Any finding is a defect: never allowed.
 * - `accountStageRuns`: stage executions (src-core/store/repos/stage-runs-repo.ts). A stage that started
 *   more than once for one revision is a re-execution: allowed, the queues deliver at least once and
 *   every store write is an upsert, so it is reported apart from duplicates.
 * - `checkStoreIntegrity`: constraints the schema does not enforce, orphans, per-state counts that add up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PHOTO_STATES, STAGES, STAGE_STATES } from '../../src-shared/stages.js';
import type { SqlDb } from './sql/sql-db.js';
import { StageRunsRepo } from './repos/stage-runs-repo.js';

/** One thing stored more than once: `key` names it, `count` is how many copies exist. */
export interface DuplicateFinding {
  check: string;
  key: string;
  count: number;
}

export interface DuplicateCheckOptions {
  /** Also resolve each live photo's path on disk (realpath), so two paths of one file count as one file. */
  files?: boolean;
}

/** A check another repository adds for the rows it owns; returns one finding per duplicated thing. */
export interface DuplicateCheck {
  name: string;
  find(db: SqlDb, options: DuplicateCheckOptions): Promise<DuplicateFinding[]>;
}

/** Photos that count: everything but cancelled ones (a cancelled photo is kept only as a record). */
const LIVE = `state <> 'cancelled'`;

function groupDuplicates(check: string, keys: Iterable<string>): DuplicateFinding[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([key, count]) => ({ check, key, count }));
}

/** Rows of `table` sharing the `key` columns (the schema's keys make this 0 today; a rewrite must keep it so). */
function rowsPerKey(name: string, table: string, key: string): DuplicateCheck {
  return {
    name,
    async find(db) {
      const rows = await db.all<{ k: string; n: number | string }>(
        `SELECT ${key.split(',').map((c) => `CAST(${c.trim()} AS TEXT)`).join(` || '/' || `)} AS k, COUNT(*) AS n
         FROM ${table} GROUP BY ${key} HAVING COUNT(*) > 1`,
      );
      return rows.map((r) => ({ check: name, key: r.k, count: Number(r.n) }));
    },
  };
}

const livePhotoPerPath: DuplicateCheck = {
  name: 'live photo per file',
  async find(db, options) {
    const rows = await db.all<{ id: string; path: string }>(`SELECT id, path FROM photos WHERE ${LIVE}`);
    // The same file written two ways (./, .., a doubled or trailing slash) is one file. (Unicode NFC and
    // NFD spellings are two files on Linux; where they are one, `files` finds them.)
    const byPath = groupDuplicates('live photo per path', rows.map((r) => path.resolve(r.path)));
    if (!options.files) return byPath;
    const resolved: string[] = [];
    for (const row of rows) {
      try {
        resolved.push(fs.realpathSync(row.path));
      } catch {
        // Gone or unreadable: it has no identity on disk to share.
      }
    }
    const byFile = groupDuplicates('live photo per file on disk', resolved);
    // A path already reported as duplicated is not reported twice.
    const seen = new Set(byPath.map((f) => f.key));
    return [...byPath, ...byFile.filter((f) => !seen.has(f.key))];
  },
};

/** A face or an object listed twice in one photo's detection (the same box, to 1/1000 of the photo). */
const detectionsOnce: DuplicateCheck = {
  name: 'face or object per detection',
  async find(db) {
    const rows = await db.all<{ photo_id: string; json: string }>(`SELECT photo_id, json FROM photo_results WHERE stage = 'detect'`);
    const findings: DuplicateFinding[] = [];
    const boxKey = (box: unknown[]): string => box.map((v) => Number(v).toFixed(3)).join(',');
    for (const row of rows) {
      let detect: { faces?: unknown; objects?: unknown } | null;
      try {
        detect = JSON.parse(row.json);
      } catch {
        continue; // an unreadable result is not a duplicate
      }
      const list = (value: unknown): { label?: string; box?: unknown }[] => (Array.isArray(value) ? value : []);
      // Keyed by the box; an entry without one (an older shape) by all it holds.
      const key = (entry: { box?: unknown }) => (Array.isArray(entry?.box) ? boxKey(entry.box) : JSON.stringify(entry));
      const faces = list(detect?.faces).map((f) => `${row.photo_id} face ${key(f)}`);
      const objects = list(detect?.objects).map((o) => `${row.photo_id} ${o?.label ?? '?'} ${key(o)}`);
      findings.push(...groupDuplicates('face per detection', faces), ...groupDuplicates('object per detection', objects));
    }
    return findings;
  },
};

const duplicateChecks: DuplicateCheck[] = [
  livePhotoPerPath,
  rowsPerKey('stage state per photo', 'photo_stages', 'photo_id, stage'),
  rowsPerKey('stage result per photo', 'photo_results', 'photo_id, stage'),
  rowsPerKey('metadata per photo', 'photo_metadata', 'photo_id'),
  rowsPerKey('derivatives per photo', 'photo_derivatives', 'photo_id'),
  rowsPerKey('embedding per photo', 'photo_embeddings', 'photo_id'),
  detectionsOnce,
];

/**
 * Adds a check (once per name) that `accountDuplicates` runs from then on; a repository registers its
 * check where it is defined. Returns a function that removes it again.
 */
export function registerDuplicateCheck(check: DuplicateCheck): () => void {
  if (!duplicateChecks.some((c) => c.name === check.name)) duplicateChecks.push(check);
  return () => {
    const i = duplicateChecks.findIndex((c) => c.name === check.name);
    if (i >= 0) duplicateChecks.splice(i, 1);
  };
}

export function registeredDuplicateChecks(): readonly string[] {
  return duplicateChecks.map((c) => c.name);
}

/** Everything stored more than once, from every registered check. Empty when nothing is. */
export async function accountDuplicates(db: SqlDb, options: DuplicateCheckOptions = {}): Promise<DuplicateFinding[]> {
  const findings: DuplicateFinding[] = [];
  for (const check of duplicateChecks) findings.push(...(await check.find(db, options)));
  return findings;
}

export interface StageRunAccounting {
  /** Stage executions recorded. */
  executions: number;
  /** Executions beyond the first of a (photo, revision, stage): allowed (at-least-once delivery). */
  reExecutions: number;
  /** Of those, executions that completed after another completed one and so wrote the same result again (an upsert). */
  rewrittenResults: number;
  /** Runs that never finished (their worker died, or is still running one). */
  unfinished: number;
}

export async function accountStageRuns(db: SqlDb): Promise<StageRunAccounting> {
  const tally = await new StageRunsRepo(db).tally();
  const unfinished = await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM stage_runs WHERE outcome = 'running'`);
  return {
    executions: tally.reduce((sum, t) => sum + t.runs, 0),
    reExecutions: tally.reduce((sum, t) => sum + t.runs - 1, 0),
    rewrittenResults: tally.reduce((sum, t) => sum + Math.max(0, t.completed - 1), 0),
    unfinished: Number(unfinished?.n ?? 0),
  };
}

export interface LibraryAccounting {
  photos: number;
  byState: Record<string, number>;
  stageRuns: StageRunAccounting;
  duplicates: DuplicateFinding[];
  /** Copies stored beyond the first, over all findings: the figure that must be 0. */
  duplicated: number;
}

export async function accountLibrary(db: SqlDb, options: DuplicateCheckOptions = {}): Promise<LibraryAccounting> {
  const states = await db.all<{ state: string; n: number | string }>(`SELECT state, COUNT(*) AS n FROM photos GROUP BY state`);
  const byState = Object.fromEntries(states.map((s) => [s.state, Number(s.n)]));
  const duplicates = await accountDuplicates(db, options);
  return {
    photos: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    stageRuns: await accountStageRuns(db),
    duplicates,
    duplicated: duplicates.reduce((sum, f) => sum + f.count - 1, 0),
  };
}

const inList = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/** Queries that each return the rows breaking one rule, as a short description per row. */
const INTEGRITY_RULES: { rule: string; sql: string }[] = [
  ...['photo_stages', 'photo_results', 'photo_metadata', 'photo_derivatives', 'photo_embeddings', 'ingest_photos'].map((table) => ({
    rule: `${table} row without its photo`,
    sql: `SELECT t.photo_id AS what FROM ${table} t LEFT JOIN photos p ON p.id = t.photo_id WHERE p.id IS NULL`,
  })),
  {
    rule: 'ingest_photos row without its ingest',
    sql: `SELECT t.ingest_id AS what FROM ingest_photos t LEFT JOIN ingests i ON i.id = t.ingest_id WHERE i.id IS NULL`,
  },
  { rule: 'photo in an unknown state', sql: `SELECT id || ' ' || state AS what FROM photos WHERE state NOT IN (${inList(PHOTO_STATES)})` },
  {
    rule: 'stage in an unknown state or of an unknown name',
    sql: `SELECT photo_id || ' ' || stage || ' ' || state AS what FROM photo_stages
          WHERE state NOT IN (${inList(STAGE_STATES)}) OR stage NOT IN (${inList(STAGES)})`,
  },
  { rule: 'photo with a negative revision', sql: `SELECT id AS what FROM photos WHERE revision < 0` },
  {
    rule: 'failed photo without a reason',
    sql: `SELECT id AS what FROM photos WHERE state = 'failed' AND (error_code IS NULL OR error IS NULL OR error = '')`,
  },
];

/**
 * 'ok', or one line per problem. Runs on both stores; the SQLite store's own `integrityCheck` adds the
 * file-level PRAGMA checks.
 */
export async function checkStoreIntegrity(db: SqlDb): Promise<string> {
  const problems: string[] = [];
  for (const { rule, sql } of INTEGRITY_RULES) {
    const rows = await db.all<{ what: string }>(`${sql} LIMIT 5`);
    for (const row of rows) problems.push(`${rule}: ${row.what}`);
  }
  // Per-state counts add up to the whole (a state outside the list would leave a gap).
  const total = await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM photos`);
  const known = await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM photos WHERE state IN (${inList(PHOTO_STATES)})`);
  if (Number(total?.n) !== Number(known?.n)) problems.push(`photos per state add up to ${Number(known?.n)}, not ${Number(total?.n)}`);
  // Per ingest: the photos it lists are the photos it counts.
  const ingests = await db.all<{ ingest_id: string; listed: number | string; distinct_photos: number | string }>(
    `SELECT ingest_id, COUNT(*) AS listed, COUNT(DISTINCT photo_id) AS distinct_photos FROM ingest_photos GROUP BY ingest_id`,
  );
  for (const i of ingests) {
    if (Number(i.listed) !== Number(i.distinct_photos)) problems.push(`ingest ${i.ingest_id} lists ${i.listed} rows for ${i.distinct_photos} photos`);
  }
  if (db.dialect.kind === 'postgres') {
    const invalid = await db.all<{ conname: string }>(
      `SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE n.nspname = current_schema() AND NOT c.convalidated`,
    );
    for (const c of invalid) problems.push(`constraint not validated: ${c.conname}`);
  } else {
    const rows = await db.all<{ integrity_check: string }>('PRAGMA integrity_check');
    for (const r of rows) if (r.integrity_check !== 'ok') problems.push(r.integrity_check);
    const fk = await db.all<{ table: string; rowid: number; parent: string }>('PRAGMA foreign_key_check');
    for (const r of fk) problems.push(`foreign key: ${r.table} row ${r.rowid} has no ${r.parent}`);
  }
  return problems.length === 0 ? 'ok' : problems.join('\n');
}
