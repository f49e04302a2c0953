/**
 * Versioned migrations: SQL files named `NNN_description.sql`, one folder per database,
 * applied in order and recorded in `schema_migrations`.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** One migration file. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/**
 * The folder holding the migration folders: beside this file when run from source,
 * and `build/service/migrations` (copied by the build) when run from the bundle.
 */
function migrationsRoot(): string {
  const candidates = [join(__dirname, 'migrations'), join(__dirname, 'store', 'migrations')];
  const found = candidates.find((dir) => existsSync(join(dir, 'sqlite')));
  if (!found) throw new Error(`migration files not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Reads the migrations of one database kind, oldest first. */
export function loadMigrations(kind: 'sqlite' | 'postgres'): Migration[] {
  const dir = join(migrationsRoot(), kind);
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: file.slice(0, 3),
      name: file.slice(4, -4),
      sql: readFileSync(join(dir, file), 'utf8'),
    }));
}
