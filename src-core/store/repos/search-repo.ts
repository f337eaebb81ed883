/**
 * Search, sort, timeline and map queries over the library, written once for both databases.
 *
 * What a search looks in is a union of *search sources*: each yields `(photo_id, term, kind)` rows
 * from what the stages stored (tags, description, recognised text, camera, lens, keywords, folder).
 * A feature that adds searchable words registers its own source (`registerSearchSource`), e.g. the
 * people feature: `{ kind: 'person', sql: 'SELECT f.photo_id, p.name FROM … ' }`. Nothing is copied
 * into a table of its own, so the results are never stale.
 */
import { expandTerm, queryTerms } from '../../../src-shared/search-terms.js';
import { likePattern, type SqlDb, type SqlParam } from '../sql/sql-db.js';
import type { PhotoFilters } from '../store.js';

export type SearchKind = 'tag' | 'description' | 'text' | 'camera' | 'lens' | 'keyword' | 'folder' | (string & {});

export interface SearchSource {
  kind: SearchKind;
  /** Offered as auto-complete suggestions (folders and long descriptions are not). */
  suggest: boolean;
  /** SELECT yielding exactly two columns, `photo_id` and `term`; one script, or one per dialect. */
  sql: string | { sqlite: string; postgres: string };
}

const tagsSql = {
  sqlite: `SELECT r.photo_id AS photo_id, je.value AS term FROM photo_results r, json_each(r.json, '$.tags') je
            WHERE r.stage = 'tag' AND json_valid(r.json) AND json_type(r.json, '$.tags') = 'array'`,
  postgres: `SELECT r.photo_id AS photo_id, t AS term FROM photo_results r,
               jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.json::jsonb -> 'tags') = 'array' THEN r.json::jsonb -> 'tags' ELSE '[]'::jsonb END) t
             WHERE r.stage = 'tag'`,
};
const textLinesSql = {
  sqlite: `SELECT r.photo_id AS photo_id, json_extract(je.value, '$.text') AS term FROM photo_results r, json_each(r.json, '$.text') je
            WHERE r.stage = 'detect' AND json_valid(r.json) AND json_type(r.json, '$.text') = 'array'`,
  postgres: `SELECT r.photo_id AS photo_id, e ->> 'text' AS term FROM photo_results r,
               jsonb_array_elements(CASE WHEN jsonb_typeof(r.json::jsonb -> 'text') = 'array' THEN r.json::jsonb -> 'text' ELSE '[]'::jsonb END) e
             WHERE r.stage = 'detect'`,
};
const keywordsSql = {
  sqlite: `SELECT m.photo_id AS photo_id, je.value AS term FROM photo_metadata m, json_each(m.keywords) je WHERE json_valid(m.keywords)`,
  postgres: `SELECT m.photo_id AS photo_id, k AS term FROM photo_metadata m,
               jsonb_array_elements_text(CASE WHEN jsonb_typeof(m.keywords::jsonb) = 'array' THEN m.keywords::jsonb ELSE '[]'::jsonb END) k`,
};

/** The built-in sources; order is the order suggestions of equal count are listed in. */
const SOURCES: SearchSource[] = [
  { kind: 'tag', suggest: true, sql: tagsSql },
  { kind: 'text', suggest: true, sql: textLinesSql },
  { kind: 'camera', suggest: true, sql: `SELECT photo_id, model AS term FROM photo_metadata WHERE model IS NOT NULL` },
  { kind: 'camera', suggest: true, sql: `SELECT photo_id, make AS term FROM photo_metadata WHERE make IS NOT NULL` },
  { kind: 'lens', suggest: true, sql: `SELECT photo_id, lens AS term FROM photo_metadata WHERE lens IS NOT NULL` },
  { kind: 'keyword', suggest: true, sql: keywordsSql },
  {
    kind: 'description',
    suggest: false,
    sql: {
      sqlite: `SELECT photo_id, json_extract(json, '$.description') AS term FROM photo_results WHERE stage = 'tag' AND json_valid(json)`,
      postgres: `SELECT photo_id, json::jsonb ->> 'description' AS term FROM photo_results WHERE stage = 'tag'`,
    },
  },
  // The folders a photo lives in ("holiday-2019/beach.jpg" finds "holiday"): places are often folder names.
  { kind: 'folder', suggest: false, sql: `SELECT id AS photo_id, path AS term FROM photos` },
];

/** Adds a source to every search (call once at start-up, e.g. from the people feature's module). */
export function registerSearchSource(source: SearchSource): void {
  if (!SOURCES.some((s) => s.kind === source.kind && JSON.stringify(s.sql) === JSON.stringify(source.sql))) SOURCES.push(source);
}

export const LIBRARY_SORTS = ['taken', 'added', 'quality', 'name'] as const;
export type LibrarySort = (typeof LIBRARY_SORTS)[number];

/** The Library's whole query: the grid's filters, free text, a folder, people, a map box, and the order. */
export interface LibraryQuery extends Omit<PhotoFilters, 'state' | 'ingestId' | 'ids'> {
  state?: string;
  /** Free text: every word must match some source (a synonym counts). */
  q?: string;
  /** Photos under this folder (absolute path, no trailing separator). */
  folder?: string;
  /** Photos showing every one of these persons (people-repo's tables). */
  personIds?: string[];
  /** [south, west, north, east] in degrees; photos with GPS inside it. */
  bbox?: [number, number, number, number];
  sort?: LibrarySort;
  /** Reverse the sort's natural direction (taken/added/quality: newest/best first; name: A→Z). */
  reverse?: boolean;
}

export interface Suggestion {
  text: string;
  kind: SearchKind;
  /** Photos it would find. */
  count: number;
}

export interface DayCount {
  /** YYYY-MM-DD as recorded. */
  day: string;
  count: number;
}

export interface PlacePoint {
  id: string;
  lat: number;
  lon: number;
}

/** Patterns a word matches at the start of a term or of one of its words ("menu" in "text:menu"). */
function wordPatterns(word: string): string[] {
  const w = likePattern(word, false);
  return [`${w}%`, `% ${w}%`, `%:${w}%`, `%/${w}%`, `%-${w}%`, `%_${w}%`.replace('%_', '%\\_')];
}

export class SearchRepo {
  constructor(private readonly db: SqlDb) {}

  private sourceSql(source: SearchSource): string {
    return typeof source.sql === 'string' ? source.sql : this.db.dialect.kind === 'sqlite' ? source.sql.sqlite : source.sql.postgres;
  }

  /** `SELECT photo_id, term, kind` over every source (or only the suggestible ones). */
  termsUnion(onlySuggestible = false): string {
    return SOURCES.filter((s) => !onlySuggestible || s.suggest)
      .map((s) => `SELECT photo_id, term, '${s.kind.replace(/'/g, "''")}' AS kind FROM (${this.sourceSql(s)}) src_${s.kind.replace(/\W/g, '_')}`)
      .join(' UNION ALL ');
  }

  private tagMatch(): string {
    return this.db.dialect.kind === 'sqlite'
      ? `EXISTS (SELECT 1 FROM json_each(rt.json, '$.tags') je WHERE json_valid(rt.json) AND lower(je.value) = lower(?))`
      : `EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(rt.json::jsonb -> 'tags') = 'array' THEN rt.json::jsonb -> 'tags' ELSE '[]'::jsonb END) t WHERE lower(t) = lower(?))`;
  }

  /** FROM … WHERE … and its parameters, shared by the page, the count, the timeline and the map. */
  private filtered(q: LibraryQuery): { from: string; params: SqlParam[] } {
    const d = this.db.dialect;
    const where: string[] = [];
    const params: SqlParam[] = [];
    const quality = d.jsonNumber('rq.json', 'score');
    const faces = d.jsonArrayLength('rd.json', 'faces');
    if (q.state !== undefined) (where.push('p.state = ?'), params.push(q.state));
    if (q.tag !== undefined) (where.push(this.tagMatch()), params.push(q.tag));
    if (q.hasFaces !== undefined) where.push(`COALESCE(${faces}, 0) ${q.hasFaces ? '> 0' : '= 0'}`);
    if (q.qualityMin !== undefined) (where.push(`${quality} >= ?`), params.push(q.qualityMin));
    if (q.qualityMax !== undefined) (where.push(`${quality} <= ?`), params.push(q.qualityMax));
    if (q.camera !== undefined) {
      where.push(d.ilike(`(COALESCE(m.make, '') || ' ' || COALESCE(m.model, ''))`));
      params.push(likePattern(q.camera));
    }
    if (q.takenFrom !== undefined) (where.push('substr(m.taken_at, 1, 10) >= ?'), params.push(q.takenFrom));
    if (q.takenTo !== undefined) (where.push('substr(m.taken_at, 1, 10) <= ?'), params.push(q.takenTo));
    if (q.folder !== undefined) {
      where.push(`p.path LIKE ? ESCAPE '\\'`);
      params.push(`${likePattern(q.folder.replace(/[\\/]+$/, ''), false)}/%`);
    }
    for (const personId of q.personIds ?? []) {
      where.push(`EXISTS (SELECT 1 FROM faces f JOIN face_assignments a ON a.face_id = f.id WHERE f.photo_id = p.id AND a.person_id = ?)`);
      params.push(personId);
    }
    if (q.bbox) {
      const [south, west, north, east] = q.bbox;
      where.push('m.gps_lat >= ? AND m.gps_lat <= ?');
      params.push(south, north);
      // A box across the antimeridian has west > east.
      if (west <= east) (where.push('m.gps_lon >= ? AND m.gps_lon <= ?'), params.push(west, east));
      else (where.push('(m.gps_lon >= ? OR m.gps_lon <= ?)'), params.push(west, east));
    }
    const terms = q.q ? queryTerms(q.q) : [];
    if (terms.length) {
      const union = this.termsUnion();
      for (const term of terms) {
        const patterns = expandTerm(term).flatMap(wordPatterns);
        where.push(`p.id IN (SELECT s.photo_id FROM (${union}) s WHERE ${patterns.map(() => `lower(s.term) LIKE ? ESCAPE '\\'`).join(' OR ')})`);
        params.push(...patterns);
      }
    }
    const from = `FROM photos p
       LEFT JOIN photo_metadata m ON m.photo_id = p.id
       LEFT JOIN photo_results rd ON rd.photo_id = p.id AND rd.stage = 'detect'
       LEFT JOIN photo_results rt ON rt.photo_id = p.id AND rt.stage = 'tag'
       LEFT JOIN photo_results rq ON rq.photo_id = p.id AND rq.stage = 'quality'
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return { from, params };
  }

  private orderBy(q: LibraryQuery): string {
    const quality = this.db.dialect.jsonNumber('rq.json', 'score');
    const dir = (natural: 'ASC' | 'DESC') => (q.reverse ? (natural === 'ASC' ? 'DESC' : 'ASC') : natural);
    switch (q.sort ?? 'name') {
      case 'taken':
        return `ORDER BY (m.taken_at IS NULL), m.taken_at ${dir('DESC')}, p.path`;
      case 'added':
        return `ORDER BY p.created_at ${dir('DESC')}, p.path`;
      case 'quality':
        return `ORDER BY (${quality} IS NULL), ${quality} ${dir('DESC')}, p.path`;
      case 'name':
        return `ORDER BY p.path ${dir('ASC')}`;
    }
  }

  /** One page of photo ids in the query's order, and how many match in all. */
  async page(q: LibraryQuery, limit: number, offset: number): Promise<{ ids: string[]; total: number }> {
    const { from, params } = this.filtered(q);
    const rows = await this.db.all<{ id: string }>(`SELECT p.id ${from} ${this.orderBy(q)} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    const count = await this.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n ${from}`, params);
    return { ids: rows.map((r) => r.id), total: Number(count?.n ?? 0) };
  }

  /**
   * What the library holds that starts with `prefix` (at a word start), most photos first:
   * tags, recognised text, cameras, lenses, keywords, and any registered source that suggests.
   */
  async suggest(prefix: string, limit = 10): Promise<Suggestion[]> {
    const p = prefix.trim().toLowerCase();
    if (!p) return [];
    const patterns = wordPatterns(p);
    const rows = await this.db.all<{ term: string; kind: string; n: number | string }>(
      `SELECT s.term AS term, s.kind AS kind, COUNT(DISTINCT s.photo_id) AS n FROM (${this.termsUnion(true)}) s
        WHERE s.term IS NOT NULL AND (${patterns.map(() => `lower(s.term) LIKE ? ESCAPE '\\'`).join(' OR ')})
        GROUP BY s.term, s.kind ORDER BY n DESC, s.term LIMIT ?`,
      [...patterns, limit * 3],
    );
    // Exact case variants ("Canon" from two sources) once, the best count kept. Derived tags that
    // repeat another source ("camera:…", "year:…", "month:…", "faces:3") are left out.
    const seen = new Map<string, Suggestion>();
    for (const r of rows) {
      if (r.kind === 'tag' && /^(camera|year|month|faces):/.test(r.term)) continue;
      const key = r.term.toLowerCase();
      const n = Number(r.n);
      const prev = seen.get(key);
      if (!prev || prev.count < n) seen.set(key, { text: r.term, kind: r.kind, count: n });
    }
    return [...seen.values()]
      .sort((a, b) => Number(b.text.toLowerCase().startsWith(p)) - Number(a.text.toLowerCase().startsWith(p)) || b.count - a.count || a.text.localeCompare(b.text))
      .slice(0, limit);
  }

  /** Photos per recorded capture day (the timeline), oldest first; and how many have no date. */
  async days(q: LibraryQuery): Promise<{ days: DayCount[]; undated: number }> {
    const { from, params } = this.filtered(q);
    const rows = await this.db.all<{ day: string | null; n: number | string }>(
      `SELECT substr(m.taken_at, 1, 10) AS day, COUNT(*) AS n ${from} GROUP BY substr(m.taken_at, 1, 10) ORDER BY day`,
      params,
    );
    let undated = 0;
    const days: DayCount[] = [];
    for (const r of rows) {
      if (r.day && /^\d{4}-\d{2}-\d{2}$/.test(r.day)) days.push({ day: r.day, count: Number(r.n) });
      else undated += Number(r.n);
    }
    return { days, undated };
  }

  /** Photos with a GPS position (the map), at most `limit`. */
  async places(q: LibraryQuery, limit = 20_000): Promise<{ points: PlacePoint[]; total: number }> {
    const { from, params } = this.filtered(q);
    const gps = `${from.includes('WHERE') ? 'AND' : 'WHERE'} m.gps_lat IS NOT NULL AND m.gps_lon IS NOT NULL`;
    const rows = await this.db.all<{ id: string; lat: number | string; lon: number | string }>(
      `SELECT p.id AS id, m.gps_lat AS lat, m.gps_lon AS lon ${from} ${gps} ORDER BY p.id LIMIT ?`,
      [...params, limit],
    );
    const count = await this.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n ${from} ${gps}`, params);
    return { points: rows.map((r) => ({ id: r.id, lat: Number(r.lat), lon: Number(r.lon) })), total: Number(count?.n ?? 0) };
  }
}
