/**
 * Parses a `postgres://` URL into pool settings. A `schema` query parameter (not part of
 * libpq's set) selects the schema the service uses, so several deployments or test runs
 * can share one database. The connections are named `container-mapping` in `pg_stat_activity`
 * unless the URL sets `application_name` (a DBA can then find, or terminate, one instance's).
 */
import type { PoolConfig } from 'pg';

/** Pool settings and the schema the store lives in. */
export interface PostgresTarget {
  pool: PoolConfig;
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** @throws Error when the schema name is not a plain lowercase identifier. */
export function parsePostgresUrl(url: string, maxConnections = 10): PostgresTarget {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`schema "${schema}" must be a lowercase identifier (a-z, 0-9, _)`);
  parsed.searchParams.delete('schema');
  return {
    schema,
    pool: {
      connectionString: parsed.toString(),
      max: maxConnections,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: 5000,
      fallback_application_name: 'container-mapping',
    },
  };
}
