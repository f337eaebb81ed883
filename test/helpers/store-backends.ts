/**
 * The two stores every stored feature is tested on: SQLite in a temp folder and Postgres in a throwaway
 * schema of SHOEBOX_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test). The Postgres
 * half fails when Postgres cannot be reached, unless SHOEBOX_SKIP_POSTGRES=1 (reported as a skip).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src-core/store/store.js';

export const POSTGRES_URL = process.env.SHOEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SKIP_POSTGRES = process.env.SHOEBOX_SKIP_POSTGRES === '1';

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  setup(): Promise<StoreConfig>;
  teardown(): Promise<void>;
}

export function sqliteBackend(): StoreBackend {
  let dir: string | null = null;
  return {
    name: 'sqlite',
    skip: false,
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'shoebox-store-'));
      return { kind: 'sqlite', sqlitePath: join(dir, 'library.db') };
    },
    async teardown() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export function postgresBackend(): StoreBackend {
  const schema = `shoebox_test_${randomBytes(6).toString('hex')}`;
  return {
    name: 'postgres',
    skip: SKIP_POSTGRES,
    async setup() {
      return { kind: 'postgres', postgresUrl: POSTGRES_URL, postgresSchema: schema };
    },
    async teardown() {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Both backends, fresh ones each call (each Postgres backend has its own schema). */
export const storeBackends = (): StoreBackend[] => [sqliteBackend(), postgresBackend()];
