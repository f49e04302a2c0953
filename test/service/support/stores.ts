/**
 * The two real databases every store and app test runs against: a fresh SQLite file in a
 * temporary folder, and a fresh schema in the test PostgreSQL (so runs never collide).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SqliteStore } from '../../../service/src/store/sqlite/sqliteStore';
import { PostgresStore } from '../../../service/src/store/postgres/postgresStore';
import type { Store } from '../../../service/src/store/store';
import { POSTGRES_URL, requirePostgres } from '../../support/services';

/** A database a test can open stores on, and throw away. */
export interface TestDatabase {
  /** Database URL for the CLI or `buildApp` (`sqlite:…` or `postgres://…?schema=…`). */
  url: string;
  /** Opens a new (migrated) store on the database; several may be open at once. */
  open(): Promise<Store>;
  /** Closes every store opened and deletes the database. */
  destroy(): Promise<void>;
}

/** How to make a fresh database of one kind. */
export interface DatabaseKind {
  name: 'SQLite' | 'PostgreSQL';
  create(): Promise<TestDatabase>;
}

function tracked(url: string, make: () => Store, drop: () => Promise<void>): TestDatabase {
  const opened: Store[] = [];
  return {
    url,
    async open() {
      const store = make();
      opened.push(store);
      await store.migrate();
      return store;
    },
    async destroy() {
      for (const store of opened) await store.close().catch(() => undefined);
      await drop();
    },
  };
}

export const SQLITE: DatabaseKind = {
  name: 'SQLite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'cm-service-'));
    const file = join(dir, 'mappings.db');
    return tracked(
      `sqlite:${file}`,
      () => new SqliteStore(file),
      async () => rmSync(dir, { recursive: true, force: true }),
    );
  },
};

export const POSTGRES: DatabaseKind = {
  name: 'PostgreSQL',
  async create() {
    await requirePostgres();
    const schema = `cm_test_${randomBytes(6).toString('hex')}`;
    const url = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
    return tracked(
      url,
      () => new PostgresStore(url, 4),
      async () => {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    );
  },
};

/** Both databases: tests loop over these so one suite covers both. */
export const DATABASES: DatabaseKind[] = [SQLITE, POSTGRES];
