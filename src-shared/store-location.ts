import { z } from 'zod';

/** Postgres schema names go into SQL and connection options, so only plain identifiers. */
export const POSTGRES_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Where a library's store lives, the one shape every process uses: the engine resolves it from its
 * config (src-core/config.ts storeLocation), hands it to its workers in their launch config, and
 * openStore opens it.
 */
export const StoreLocation = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sqlite'), sqlitePath: z.string().min(1) }),
  z.object({
    kind: z.literal('postgres'),
    postgresUrl: z.string().min(1),
    /** So tests and several libraries can share one database. */
    postgresSchema: z
      .string()
      .regex(POSTGRES_SCHEMA_NAME, 'use lower-case letters, digits and _ (at most 63)')
      .default('shoebox'),
  }),
]);
export type StoreLocation = z.infer<typeof StoreLocation>;
