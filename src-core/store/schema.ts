import type { NamedMigration } from './sql/sql-db.js';
import { GROUPS_MIGRATIONS } from './repos/groups-repo.js';

/**
 * Every repository's schema changes, in the order they are applied (after the core store's numbered
 * migrations). A new repository adds its list here: one import, one spread.
 */
export const NAMED_MIGRATIONS: readonly NamedMigration[] = [...GROUPS_MIGRATIONS];
