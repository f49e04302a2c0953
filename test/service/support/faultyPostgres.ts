/**
 * Faults on a real PostgreSQL: the fault tests' own cluster (FAULTS_POSTGRES_URL), where a test
 * may terminate the service's backends and stop and start the whole cluster without disturbing
 * the other tests, which use POSTGRES_URL.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { FAULTS_POSTGRES_CLUSTER, FAULTS_POSTGRES_URL, requirePostgres } from '../../support/services';

/** A fresh schema on a PostgreSQL database, and what a fault test does to it. */
export interface FaultyDatabase {
  /** The service's database URL: the fresh schema, and an application name of its own. */
  url: string;
  /** The schema the service's store lives in. */
  schema: string;
  /** The `application_name` of the service's connections (the URL's), to find its backends. */
  applicationName: string;
  /** Runs SQL as the test (its own connection, another application name). */
  query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>;
  /** Terminates every backend of the service's connections; returns how many there were. */
  terminateServiceBackends(): Promise<number>;
  /** Drops the schema. */
  destroy(): Promise<void>;
}

const withParams = (url: string, params: Record<string, string>): string =>
  `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;

/** Creates a fresh schema on `baseUrl` (default: the fault tests' cluster). */
export async function createFaultyDatabase(baseUrl: string = FAULTS_POSTGRES_URL): Promise<FaultyDatabase> {
  await requirePostgres(baseUrl);
  const id = randomBytes(6).toString('hex');
  const schema = `cm_faults_${id}`;
  const applicationName = `cm-fault-test-${id}`;
  // A fresh connection per call: the test's own connection must survive the cluster's restarts.
  const query = async <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({
      connectionString: withParams(baseUrl, { application_name: 'cm-fault-test-admin' }),
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return {
    url: withParams(baseUrl, { schema, application_name: applicationName }),
    schema,
    applicationName,
    query,
    async terminateServiceBackends() {
      const rows = await query<{ terminated: number }>(
        'SELECT count(*)::int AS terminated FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) AS t',
        [applicationName],
      );
      return rows[0]?.terminated ?? 0;
    },
    async destroy() {
      await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

function pgCtlCluster(action: 'start' | 'stop'): Promise<void> {
  const [version, name] = FAULTS_POSTGRES_CLUSTER.split('/');
  return new Promise((resolve, reject) => {
    execFile('pg_ctlcluster', [version ?? '15', name ?? 'faults', action], { timeout: 60_000 }, (err, stdout, stderr) => {
      // `start` on a running cluster exits 2 ("Cluster is already running."): the state we want.
      if (err && !(action === 'start' && /already running/.test(`${stdout}${stderr}`))) {
        reject(
          new Error(
            `pg_ctlcluster ${FAULTS_POSTGRES_CLUSTER.replace('/', ' ')} ${action} failed (it needs root): ${stderr || err.message}`,
          ),
        );
      } else resolve();
    });
  });
}

/** Stops the fault tests' cluster (fast shutdown: every backend is terminated, new connections are refused). */
export const stopFaultsCluster = (): Promise<void> => pgCtlCluster('stop');

/** Starts the fault tests' cluster, and waits until it accepts connections. */
export async function startFaultsCluster(): Promise<void> {
  await pgCtlCluster('start');
  await requirePostgres(FAULTS_POSTGRES_URL);
}
