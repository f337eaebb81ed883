import { z } from 'zod';
import { VECTOR_KINDS, VectorModelStatusSchema } from '../vector-models.js';
import { ERROR_CODES } from '../errors.js';
import { cullingApi } from './culling-contract.js';
import { HostView as HostViewSchema } from '../hosts.js';
import { LANES, WORKER_ROLES } from '../lanes.js';
import { PHOTO_STATES, STAGES, STAGE_STATES } from '../stages.js';
import { PRESET_API } from './presets-contract.js';
import { EXPORT_API } from './exports-contract.js';
import { MAINTENANCE_API } from './maintenance-contract.js';
import { LABELS_API } from './labels-contract.js';
import { ROTATION_API } from './rotation-contract.js';

/**
 * The one API contract of the app: every command (request → response) and every pushed event,
 * validated where it enters (IPC handler, HTTP route). The Electron IPC transport and the
 * HTTP + WebSocket transport both serve exactly this object, so the renderer cannot tell them apart.
 *
 * Pure TypeScript + zod: imported by the engine, the Electron shell and the renderer alike.
 */

// ── building blocks ──────────────────────────────────────────────────────
/** Ids are short and plain: nothing that could smuggle a path or a Redis key pattern. */
const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an id (letters, digits, _ . -)');
const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });
export const LaneSchema = z.enum(LANES);
export const LaneScope = z.union([LaneSchema, z.literal('all')]);
export type LaneScope = z.infer<typeof LaneScope>;

export const LaneCountsSchema = z.object({
  waiting: z.number(),
  active: z.number(),
  delayed: z.number(),
  prioritized: z.number(),
  completed: z.number(),
  failed: z.number(),
  paused: z.number(),
  isPaused: z.boolean(),
});
export type LaneCountsDto = z.infer<typeof LaneCountsSchema>;
export const AllLaneCounts = z.record(LaneSchema, LaneCountsSchema);
export type AllLaneCounts = z.infer<typeof AllLaneCounts>;

export const WorkerStatusSchema = z.object({
  id: z.string(),
  workerClass: z.enum(WORKER_ROLES),
  pid: z.number().nullable(),
  state: z.enum(['starting', 'loading-models', 'ready', 'busy', 'stopping', 'stopped', 'crashed']),
  reason: z.string().nullable(),
  rssMb: z.number().nullable(),
  jobsDone: z.number(),
  restarts: z.number(),
  updatedAt: z.string(),
});
export type WorkerStatusDto = z.infer<typeof WorkerStatusSchema>;

export const PhotoStateSchema = z.enum(PHOTO_STATES);
export const StageSchema = z.enum(STAGES);
export const StageStateSchema = z.enum(STAGE_STATES);
export const ErrorCodeSchema = z.enum(ERROR_CODES);

/** One tile of the library grid: enough to draw it without asking for the detail. */
export const PhotoSummary = z.object({
  id: z.string(),
  path: z.string(),
  state: PhotoStateSchema,
  revision: z.number(),
  /** Relative media path (`thumbs/ab/<hash>.jpg`), null until preprocess wrote it. */
  thumbnail: z.string().nullable(),
  /** Stages finished (done or skipped) out of STAGES.length, for the progress bar while in flight. */
  stagesDone: z.number(),
  failedStage: StageSchema.nullable(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
  takenAt: z.string().nullable(),
  camera: z.string().nullable(),
  /** Quality score 0–5, null until the quality stage ran. */
  quality: z.number().nullable(),
  /** Faces found, null until detect ran. */
  faces: z.number().nullable(),
  tags: z.array(z.string()),
  /** The person's rating (−1 reject, 0–5) and colour label, null when never given. */
  rating: z.number().nullable(),
  label: z.string().nullable(),
});
export type PhotoSummary = z.infer<typeof PhotoSummary>;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
/** The Library's filters, applied by the store (not in the window). */
export const PhotoFiltersSchema = z.object({
  state: PhotoStateSchema.optional(),
  /** One whole tag, case-insensitive ("people", "text:menu"). */
  tag: z.string().min(1).max(200).optional(),
  hasFaces: z.boolean().optional(),
  qualityMin: z.number().min(0).max(5).optional(),
  qualityMax: z.number().min(0).max(5).optional(),
  /** Substring of "make model", case-insensitive. */
  camera: z.string().min(1).max(200).optional(),
  takenFrom: Day.optional(),
  takenTo: Day.optional(),
});
export type PhotoFiltersDto = z.infer<typeof PhotoFiltersSchema>;

export const SkippedPathSchema = z.object({ path: z.string(), reason: z.string(), at: z.string() });
export type SkippedPathDto = z.infer<typeof SkippedPathSchema>;

export const StageRecordSchema = z.object({
  stage: StageSchema,
  state: StageStateSchema,
  ms: z.number().nullable(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
  note: z.string().nullable(),
  attempts: z.number(),
  updatedAt: z.string(),
});

/** The photo detail as the store has it (src-shared/photo.ts PhotoDetail), checked loosely. */
export const PhotoDetailSchema = z
  .object({
    id: z.string(),
    path: z.string(),
    size: z.number(),
    state: PhotoStateSchema,
    revision: z.number(),
    failedStage: StageSchema.nullable(),
    errorCode: z.string().nullable(),
    error: z.string().nullable(),
    note: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    stages: z.array(StageRecordSchema),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    derivatives: z
      .object({ thumbnailPath: z.string(), previewPath: z.string(), width: z.number(), height: z.number(), dhash: z.string(), format: z.string() })
      .nullable(),
    results: z.record(z.string(), z.unknown()),
  })
  .loose();
export type PhotoDetailDto = z.infer<typeof PhotoDetailSchema>;

export const FailedItem = z.object({
  jobId: z.string(),
  photoId: z.string(),
  path: z.string(),
  stage: StageSchema.nullable(),
  errorCode: z.string(),
  error: z.string(),
  attempts: z.number(),
  failedAt: z.string(),
  thumbnail: z.string().nullable(),
});
export type FailedItem = z.infer<typeof FailedItem>;
export const FailedGroup = z.object({ code: z.string(), label: z.string(), count: z.number(), items: z.array(FailedItem) });
export type FailedGroup = z.infer<typeof FailedGroup>;

export const IngestTotalsSchema = z.object({
  photos: z.number(),
  queued: z.number(),
  processing: z.number(),
  completed: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  skipped: z.number(),
});
export const IngestInfo = z.object({
  id: z.string(),
  roots: z.array(z.string()),
  state: z.enum(['scanning', 'running', 'done', 'cancelled', 'interrupted']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  totals: IngestTotalsSchema,
});
export type IngestInfo = z.infer<typeof IngestInfo>;

export const PauseSchema = z.object({ scope: LaneScope, by: z.enum(['user', 'system']), reason: z.string(), at: z.string() });

export const SettingsValues = z.object({
  cpuWorkers: z.number().int().min(1).max(64),
  mlWorkers: z.number().int().min(1).max(64),
  /** Empty/null: the bundled redis-server. */
  redisUrl: z
    .string()
    .max(2048)
    .regex(/^(rediss?|unix|redis\+unix):\/\//, 'must be a redis://, rediss:// or unix:// URL')
    .nullable(),
  /** "sqlite" or a postgres:// URL. */
  store: z
    .string()
    .max(2048)
    .regex(/^(sqlite|postgres(ql)?:\/\/.+)$/, 'must be "sqlite" or a postgres:// URL')
    .nullable(),
});
export type SettingsValues = z.infer<typeof SettingsValues>;
export const SettingsDto = z.object({
  dataDir: z.string(),
  /** What is saved in settings.json (applied at the next engine start). */
  saved: SettingsValues.partial(),
  /** What the running engine uses now (flags and environment win over saved settings). */
  effective: z.object({ cpuWorkers: z.number(), mlWorkers: z.number(), redisUrl: z.string().nullable(), store: z.string() }),
});
export type SettingsDto = z.infer<typeof SettingsDto>;

/** Ceiling on list requests: a page of the grid, not the library. */
export const MAX_PAGE = 500;
/** The most photos one selection holds (and one export takes): Ctrl+A on a bigger filter selects the first this many. */
export const MAX_SELECTION = 100_000;
/** Paths per "add folders" request (a drop of a few folders, not a file list of 30k). */
export const MAX_PATHS = 100;
const Paging = { limit: z.number().int().min(1).max(MAX_PAGE).default(200), offset: z.number().int().min(0).max(10_000_000).default(0) };
const FsPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'must not contain NUL');

// ── people ───────────────────────────────────────────────────────────────
export const FaceDto = z.object({
  id: z.string(),
  photoId: z.string(),
  path: z.string(),
  /** Normalised x, y, w, h of the preview. */
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  personId: z.string().nullable(),
  source: z.enum(['machine', 'person']).nullable(),
  /** 'ok', or why the quality gate kept it out of clustering. */
  gate: z.string(),
  takenAt: z.string().nullable(),
  /** Media path of the face crop (through the same route as thumbnails). */
  thumb: z.string().nullable(),
});
export type FaceDto = z.infer<typeof FaceDto>;
export const PersonDto = z.object({
  id: z.string(),
  name: z.string().nullable(),
  hidden: z.boolean(),
  faceCount: z.number(),
  photoCount: z.number(),
  coverFaceId: z.string().nullable(),
  coverThumb: z.string().nullable(),
  createdAt: z.string(),
});
export type PersonDto = z.infer<typeof PersonDto>;
export const PeopleListDto = z.object({ people: z.array(PersonDto), unassigned: z.number(), lowQuality: z.number() });
export type PeopleListDto = z.infer<typeof PeopleListDto>;

// ── browsing: search, sort, timeline, map, folders, job lists (issue 13) ──
export const LIBRARY_SORTS = ['taken', 'added', 'quality', 'name'] as const;
export type LibrarySort = (typeof LIBRARY_SORTS)[number];
const Lat = z.number().min(-90).max(90);
const Lon = z.number().min(-180).max(180);
/** The Library's whole query: the filters, free text, a folder, a map box, and the order. */
export const LibraryQuerySchema = PhotoFiltersSchema.extend({
  /** Free text over tags, recognised text, description, camera, lens, keywords, folders (and registered sources). */
  q: z.string().max(200).optional(),
  folder: FsPath.optional(),
  /** Photos showing every one of these persons (the People view's "Show in Library"). */
  personIds: z.array(z.string().min(1).max(200)).min(1).max(10).optional(),
  /** [south, west, north, east] degrees. */
  bbox: z.tuple([Lat, Lon, Lat, Lon]).optional(),
  sort: z.enum(LIBRARY_SORTS).optional(),
  reverse: z.boolean().optional(),
});
export type LibraryQueryDto = z.infer<typeof LibraryQuerySchema>;
export const SuggestionSchema = z.object({ text: z.string(), kind: z.string(), count: z.number() });
export type SuggestionDto = z.infer<typeof SuggestionSchema>;
export const LibraryFolderSchema = z.object({
  path: z.string(),
  addedAt: z.string(),
  photos: z.number(),
  done: z.number(),
  failed: z.number(),
  inFlight: z.number(),
  lastScanAt: z.string().nullable(),
});
export type LibraryFolderDto = z.infer<typeof LibraryFolderSchema>;
export const JOB_LIST_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'paused', 'completed'] as const;
export const LaneJobSchema = z.object({
  id: z.string(),
  name: z.string(),
  queue: z.string(),
  photoId: z.string().nullable(),
  path: z.string().nullable(),
  thumbnail: z.string().nullable(),
  stage: z.string().nullable(),
  attempts: z.number(),
  /** When the job was added (ms since epoch). */
  addedAt: z.number(),
  error: z.string().nullable(),
  stack: z.string().nullable(),
});
export type LaneJobDto = z.infer<typeof LaneJobSchema>;
export const HeldPhotoSchema = z.object({ workerId: z.string(), jobId: z.string(), photoId: z.string().nullable(), path: z.string().nullable(), thumbnail: z.string().nullable() });
export type HeldPhotoDto = z.infer<typeof HeldPhotoSchema>;

export const browseApi = {
  /** A page of the Library for the whole query (search, filters, folder, map box, order). */
  'library.query': {
    req: LibraryQuerySchema.extend(Paging).strict(),
    res: z.object({ photos: z.array(PhotoSummary), total: z.number(), offset: z.number() }),
  },
  /**
   * The ids of the whole query in its order (a multi-select: Ctrl+A, a Shift range over pages not loaded),
   * at most MAX_SELECTION from `offset`; `total` says how many match in all.
   */
  'library.ids': {
    req: LibraryQuerySchema.extend({ offset: Paging.offset, limit: z.number().int().min(1).max(MAX_SELECTION).default(MAX_SELECTION) }).strict(),
    res: z.object({ ids: z.array(z.string()), total: z.number() }),
  },
  /** Auto-complete: what the library holds that starts with the prefix, most photos first. */
  'search.suggest': {
    req: z.object({ prefix: z.string().min(1).max(100), limit: z.number().int().min(1).max(30).default(10) }).strict(),
    res: z.object({ suggestions: z.array(SuggestionSchema) }),
  },
  /** Photos per capture day for the query (the timeline), and how many have no date. */
  'library.timeline': {
    req: LibraryQuerySchema.strict(),
    res: z.object({ days: z.array(z.object({ day: z.string(), count: z.number() })), undated: z.number() }),
  },
  /** Photos with GPS for the query (the map). */
  'library.places': {
    req: LibraryQuerySchema.strict(),
    res: z.object({ points: z.array(z.object({ id: z.string(), lat: z.number(), lon: z.number() })), total: z.number() }),
  },
  'folders.list': {
    req: Empty,
    res: z.object({ folders: z.array(LibraryFolderSchema), exclusions: z.array(z.object({ path: z.string(), addedAt: z.string() })) }),
  },
  /** Never analyse this folder (inside a library folder); its photos leave the library, the files stay. */
  'folders.exclude': { req: z.object({ path: FsPath }).strict(), res: z.object({ removed: z.number() }) },
  /** Analyse an excluded folder again (at the next scan of its library folder). */
  'folders.include': { req: z.object({ path: FsPath }).strict(), res: z.object({ included: z.boolean() }) },
  /** Walk the folder again (changed files are analysed; unchanged ones do no work). */
  'folders.rescan': { req: z.object({ path: FsPath }).strict(), res: Ok },
  /** Forget the folder and its photos in the library; the files on disk stay untouched. */
  'folders.remove': { req: z.object({ path: FsPath }).strict(), res: z.object({ removed: z.number() }) },
  /** The ingest history, newest first. */
  'ingests.list': { req: z.object({ limit: z.number().int().min(1).max(200).default(20) }).strict(), res: z.object({ ingests: z.array(IngestInfo) }) },
  /** The jobs of one lane in one state (bull-board's list), newest first. */
  'lanes.jobs': {
    req: z.object({ lane: LaneSchema, state: z.enum(JOB_LIST_STATES), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    res: z.object({ jobs: z.array(LaneJobSchema), total: z.number() }),
  },
  /** The photo each worker holds right now. */
  'workers.holding': { req: Empty, res: z.object({ holding: z.array(HeldPhotoSchema) }) },
} as const;

// ── commands ─────────────────────────────────────────────────────────────
export const api = {
  /** Starts an ingest of these folders/files on the default lane; progress arrives as events. */
  'library.addFolders': {
    req: z.object({ paths: z.array(FsPath).min(1).max(MAX_PATHS) }).strict(),
    res: z.object({ accepted: z.array(z.string()) }),
  },
  /** Analyse one photo again now, through the high_priority lane (overtakes a bulk ingest). */
  'photos.analyseNow': { req: z.object({ photoId: Id }).strict(), res: Ok },
  'photos.list': {
    req: PhotoFiltersSchema.extend({ ingestId: Id.optional(), ...Paging }).strict(),
    res: z.object({ photos: z.array(PhotoSummary), total: z.number(), offset: z.number() }),
  },
  'photos.get': { req: z.object({ photoId: Id }).strict(), res: PhotoDetailSchema },
  /** The k photos that look most like this one (cosine over the embed vectors), best first. */
  'photos.similar': {
    req: z.object({ photoId: Id, k: z.number().int().min(1).max(100).default(12) }).strict(),
    res: z.object({ photos: z.array(PhotoSummary.extend({ similarity: z.number() })), note: z.string().nullable() }),
  },
  /** One call for the first paint: counts, pauses, workers, photos by state, the last ingest. */
  'status.get': {
    req: Empty,
    res: z.object({
      dataDir: z.string(),
      lanes: AllLaneCounts.nullable(),
      pauses: z.array(PauseSchema),
      workers: z.array(WorkerStatusSchema),
      /** Every machine serving the queues (this one and each `shoebox worker`); gone = stopped reporting. */
      hosts: z.array(HostViewSchema),
      photos: z.record(z.string(), z.number()),
      lastIngest: IngestInfo.nullable(),
    }),
  },
  'lanes.counts': { req: Empty, res: AllLaneCounts },
  'workers.list': { req: Empty, res: z.array(WorkerStatusSchema) },
  'failed.list': {
    req: z.object({ limit: z.number().int().min(1).max(5000).default(1000), offset: Paging.offset }).strict(),
    res: z.object({ groups: z.array(FailedGroup), total: z.number() }),
  },
  /** Retry one failed photo (job id or photo id). */
  'jobs.retry': { req: z.object({ target: Id }).strict(), res: z.object({ retried: z.number() }) },
  /** Retry every failed photo of one cause (error code). */
  'jobs.retryGroup': { req: z.object({ code: ErrorCodeSchema }).strict(), res: z.object({ retried: z.number() }) },
  'jobs.retryAll': { req: Empty, res: z.object({ retried: z.number() }) },
  'jobs.discard': { req: z.object({ target: Id }).strict(), res: Ok },
  /** "Skip this file from now on": the photo's failure is discarded and its path is never registered again. */
  'files.skip': { req: z.object({ target: Id }).strict(), res: z.object({ path: z.string() }) },
  'files.unskip': { req: z.object({ path: FsPath }).strict(), res: z.object({ removed: z.boolean() }) },
  'files.skipped': {
    req: z.object({ limit: z.number().int().min(1).max(5000).default(1000), offset: Paging.offset }).strict(),
    res: z.object({ paths: z.array(SkippedPathSchema) }),
  },
  /** Cancel an ingest (its id) or one photo (job id or photo id). */
  'jobs.cancel': { req: z.object({ target: Id }).strict(), res: z.object({ cancelled: z.number() }) },
  'lanes.pause': { req: z.object({ scope: LaneScope, reason: z.string().max(200).optional() }).strict(), res: Ok },
  'lanes.resume': { req: z.object({ scope: LaneScope }).strict(), res: Ok },
  'lanes.purge': { req: z.object({ lane: LaneSchema }).strict(), res: z.object({ removed: z.number() }) },
  'settings.get': { req: Empty, res: SettingsDto },
  /** Saves settings.json; they apply at the next engine start (restartRequired says so). */
  'settings.set': { req: SettingsValues.partial().strict(), res: z.object({ settings: SettingsDto, restartRequired: z.boolean() }) },

  // ── people (src-main/engine/api/people-handlers.ts) ──────────────────────
  /** Persons (unnamed first, then by size), with a face thumbnail each; counts of faces in no person. */
  'people.list': { req: z.object({ includeHidden: z.boolean().default(false) }).strict(), res: PeopleListDto },
  /** One person and their faces, by the photos' capture date. */
  'people.get': { req: z.object({ personId: Id }).strict(), res: z.object({ person: PersonDto, faces: z.array(FaceDto) }) },
  /** Faces that passed the quality gate but are in no person yet, or the low-quality ones (never clustered). */
  'people.faces': { req: z.object({ which: z.enum(['unassigned', 'low-quality']) }).strict(), res: z.object({ faces: z.array(FaceDto) }) },
  /** Photos showing every one of these persons, by capture date. */
  'people.photos': {
    req: z.object({ personIds: z.array(Id).min(1).max(10), ...Paging }).strict(),
    res: z.object({ photos: z.array(PhotoSummary), total: z.number(), offset: z.number() }),
  },
  /** The faces of one photo with their persons (the photo detail's chips). */
  'people.photoFaces': { req: z.object({ photoId: Id }).strict(), res: z.object({ faces: z.array(FaceDto.extend({ personName: z.string().nullable() })) }) },
  'people.name': { req: z.object({ personId: Id, name: z.string().trim().min(1).max(200).nullable() }).strict(), res: Ok },
  /** Merge `from` into `into` (into keeps its name, or takes from's). */
  'people.merge': { req: z.object({ from: Id, into: Id }).strict(), res: Ok },
  'people.moveFace': { req: z.object({ faceId: Id, personId: Id }).strict(), res: Ok },
  /** "Not this person": the face leaves the person, and the clusterer never puts it back there. */
  'people.notThisPerson': { req: z.object({ faceId: Id, personId: Id }).strict(), res: Ok },
  'people.hide': { req: z.object({ personId: Id, hidden: z.boolean() }).strict(), res: Ok },
  /** Queues a full recluster (maintenance lane, exclusive lock); what a person said is kept. */
  'people.recluster': { req: Empty, res: Ok },
  // ── model upgrades (src-shared/vector-models.ts) ──
  /** The active descriptor model, and the upgrade's progress and ETA. */
  'models.status': { req: Empty, res: z.object({ models: z.array(VectorModelStatusSchema) }) },
  /** Switches the library to a model: a background re-embed; queries keep the old model until the cut-over. */
  'models.use': {
    req: z.object({ kind: z.enum(VECTOR_KINDS).default('descriptor'), model: z.string().trim().min(1).max(100) }).strict(),
    res: z.object({ started: z.boolean(), why: z.string(), status: VectorModelStatusSchema }),
  },
  ...browseApi,
  ...PRESET_API,
  // ── culling (src-shared/api/culling-contract.ts) ──
  ...cullingApi,
  // ── exports (src-shared/api/exports-contract.ts) ──
  ...EXPORT_API,
  // ── maintenance and metrics (src-shared/api/maintenance-contract.ts) ──
  ...MAINTENANCE_API,
  // ── few-shot labels (src-shared/api/labels-contract.ts) ──
  ...LABELS_API,
  // ── rotation corrections (src-shared/api/rotation-contract.ts) ──
  ...ROTATION_API,
} as const;

export type Api = typeof api;
export type Method = keyof Api;
export const METHODS = Object.keys(api) as Method[];
export type Req<M extends Method> = z.input<Api[M]['req']>;
/** The request after validation (defaults applied). */
export type ParsedReq<M extends Method> = z.output<Api[M]['req']>;
export type Res<M extends Method> = z.infer<Api[M]['res']>;

export function isMethod(value: string): value is Method {
  return Object.prototype.hasOwnProperty.call(api, value);
}

// ── pushed events (throttled/coalesced by the engine's event hub) ───────────
export const PhotoProgressUpdate = z.object({
  photoId: z.string(),
  /** The stage that just finished, when the update came from a stage. */
  stage: StageSchema.optional(),
  stageState: StageStateSchema.optional(),
  /** The photo's new state, when it finished, failed or was queued again. */
  state: PhotoStateSchema.optional(),
});
export type PhotoProgressUpdate = z.infer<typeof PhotoProgressUpdate>;

export const events = {
  /** Every ~1 s while the engine runs: counts per lane and the jobs finished per class since the last one. */
  'lanes.counts': z.object({ at: z.number(), lanes: AllLaneCounts, finished: z.object({ cpu: z.number(), ml: z.number() }) }),
  /** Coalesced per photo, at most every 250 ms. */
  'photos.progress': z.object({ updates: z.array(PhotoProgressUpdate) }),
  /** Photos by state in the library and the latest ingest's totals, when they change (≤ 1/s). */
  'ingest.totals': z.object({ photos: z.record(z.string(), z.number()), ingest: IngestInfo.nullable(), scanning: z.boolean() }),
  /** The whole worker list, when any worker changed (≤ 2/s). */
  'workers.state': z.object({ workers: z.array(WorkerStatusSchema) }),
  /** Pauses changed (from this app, the CLI, or the system). */
  'lanes.pauses': z.object({ pauses: z.array(PauseSchema) }),
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export const EVENT_NAMES = Object.keys(events) as EventName[];
export type EventPayload<E extends EventName> = z.infer<Events[E]>;
export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];

// ── errors ───────────────────────────────────────────────────────────────
/** What crosses a transport instead of an Error instance. */
export const API_ERROR_CODES = ['bad-request', 'unauthorized', 'forbidden', 'not-found', 'conflict', 'no-engine', 'too-large', 'internal'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
export interface ApiErrorInfo {
  code: ApiErrorCode;
  message: string;
}
export type ApiResult<T> = { ok: true; result: T } | { ok: false; error: ApiErrorInfo };

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** HTTP status for each error code (the IPC transport sends the code alone). */
export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'no-engine': 503,
  internal: 500,
};

/** Readable names for failure causes, for the Failed view's groups. */
export const CAUSE_LABELS: Record<string, string> = {
  'corrupt-file': 'Corrupt file',
  'unsupported-format': 'Unsupported format',
  'missing-file': 'File missing',
  'permission-denied': 'Permission denied',
  'empty-file': 'Empty file',
  'too-large': 'File too large',
  'stage-timeout': 'Took too long',
  'worker-crashed': 'Worker crashed',
  'out-of-memory': 'Out of memory',
  'model-missing': 'Model missing',
  cancelled: 'Cancelled',
  internal: 'Unexpected error',
};
