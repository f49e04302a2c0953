/** Opens the store a database URL names: `sqlite:<path>` or `postgres://…`. */
import { parseDatabaseUrl } from './databaseUrl';
import type { Store } from './store';
import { SqliteStore } from './sqlite/sqliteStore';
import { PostgresStore } from './postgres/postgresStore';

/** Opens the store (without migrating it). */
export async function openStore(url: string, options: { maxConnections?: number } = {}): Promise<Store> {
  const target = parseDatabaseUrl(url);
  if (target.kind === 'sqlite') {
    return new SqliteStore(target.file);
  }
  return new PostgresStore(target.url, options.maxConnections);
}
