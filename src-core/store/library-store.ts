import { EmbeddingsRepo } from './repos/embeddings-repo.js';
import { EngineStateRepo } from './repos/engine-state-repo.js';
import { HealthRepo } from './repos/health-repo.js';
import { IngestsRepo } from './repos/ingests-repo.js';
import { PhotosRepo } from './repos/photos-repo.js';
import { SkipListRepo } from './repos/skip-list-repo.js';
import { StageProgressRepo } from './repos/stage-progress-repo.js';
import type { SqlDb } from './sql/sql-db.js';
import type { Store } from './store.js';

/** The library's repositories over one open database; closing it closes the database. */
export function createLibraryStore(db: SqlDb, migrate: () => Promise<void>): Store {
  const embeddings = new EmbeddingsRepo(db);
  return {
    kind: db.dialect.kind,
    sql: db,
    ingests: new IngestsRepo(db),
    photos: new PhotosRepo(db, embeddings),
    progress: new StageProgressRepo(db, embeddings),
    embeddings,
    engineState: new EngineStateRepo(db),
    skips: new SkipListRepo(db),
    health: new HealthRepo(db),
    migrate,
    close: () => db.close(),
  };
}
