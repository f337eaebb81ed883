import type { NamedMigration } from './sql/sql-db.js';
import { FOLDERS_MIGRATIONS } from './repos/folders-repo.js';
import { METADATA_EXTRA_MIGRATIONS } from './repos/metadata-extra-repo.js';
import { PEOPLE_MIGRATIONS } from './repos/people-repo.js';
import { STAGE_RUNS_MIGRATIONS } from './repos/stage-runs-repo.js';
import { PRESETS_MIGRATIONS } from './repos/presets-repo.js';
import { PHOTO_PRESETS_MIGRATIONS } from './repos/photo-presets-repo.js';
import { EXPORTS_MIGRATIONS } from './repos/exports-repo.js';
import { GROUPS_MIGRATIONS } from './repos/groups-repo.js';
import { MAINTENANCE_MIGRATIONS } from './repos/maintenance-repo.js';
import { WATCH_MIGRATIONS } from './repos/watch-repo.js';
import { VECTOR_MODELS_MIGRATIONS } from './repos/vector-models-repo.js';
import { METRICS_MIGRATIONS } from './repos/metrics-repo.js';
import { LABELS_MIGRATIONS } from './repos/labels-repo.js';
import { PHOTO_ROTATIONS_MIGRATIONS } from './repos/photo-rotations-repo.js';

/**
 * Every repository's schema changes, in the order they are applied (after the core store's numbered
 * migrations). A new repository adds its list here: one import, one spread.
 */
export const NAMED_MIGRATIONS: readonly NamedMigration[] = [
  ...METADATA_EXTRA_MIGRATIONS,
  ...STAGE_RUNS_MIGRATIONS,
  ...PEOPLE_MIGRATIONS,
  ...FOLDERS_MIGRATIONS,
  ...PRESETS_MIGRATIONS,
  ...PHOTO_PRESETS_MIGRATIONS,
  ...GROUPS_MIGRATIONS,
  ...EXPORTS_MIGRATIONS,
  ...MAINTENANCE_MIGRATIONS,
  ...WATCH_MIGRATIONS,
  ...VECTOR_MODELS_MIGRATIONS,
  ...METRICS_MIGRATIONS,
  ...LABELS_MIGRATIONS,
  ...PHOTO_ROTATIONS_MIGRATIONS,
];
