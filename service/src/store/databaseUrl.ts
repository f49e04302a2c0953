/**
 * What a database URL names: pure parsing, no driver. `config.ts` checks the URL at start-up
 * with it without loading better-sqlite3 or pg; `openStore.ts` opens what it names.
 */
import { resolve } from 'node:path';

/** Why a database URL cannot be used. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** What kind of database a URL names, and where. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** What kind of database a URL names, and where. Throws DatabaseUrlError for anything else. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
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
