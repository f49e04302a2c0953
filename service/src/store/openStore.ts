/** Opens the store a database URL names: `sqlite:<path>` or `postgres://…`. */
import { resolve } from 'node:path';
import type { Store } from './store';
import { SqliteStore } from './sqlite/sqliteStore';
import { PostgresStore } from './postgres/postgresStore';

/** Why a database URL cannot be used. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** What kind of database a URL names, and where. Throws DatabaseUrlError for anything else. */
export function parseDatabaseUrl(url: string): { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string } {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file.length === 0) throw new DatabaseUrlError('sqlite: URL needs a file path, e.g. sqlite:./data/mappings.db');
    return { kind: 'sqlite', file: file === ':memory:' ? file : resolve(file) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      new URL(url);
    } catch {
      throw new DatabaseUrlError('the PostgreSQL URL is not a valid URL');
    }
    return { kind: 'postgres', url };
  }
  throw new DatabaseUrlError('database URL must start with sqlite: or postgres://');
}

/** Opens the store (without migrating it). */
export async function openStore(url: string, options: { maxConnections?: number } = {}): Promise<Store> {
  const target = parseDatabaseUrl(url);
  if (target.kind === 'sqlite') {
    return new SqliteStore(target.file);
  }
  return new PostgresStore(target.url, options.maxConnections);
}
