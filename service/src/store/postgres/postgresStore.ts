/**
 * The shared store: PostgreSQL, for several stateless service instances. Each report is one
 * transaction; the report row's unique idempotency key serialises re-sends of one job attempt,
 * and a transaction-scoped advisory lock per digest serialises the ambiguity decision.
 */
import pg from 'pg';
import type { Report } from '../../../../common/report';
import { countAmbiguous, decideAttribution } from '../attribution';
import { loadMigrations } from '../migrations';
import { toPage } from '../page';
import { PUSH_COLUMNS, pushValues, reportValues, toImageDetail, toImagePush, type PushRow } from '../rows';
import { ATTRIBUTION_CANDIDATES_SELECT, UPSERT_REPORT_SQL, imageQuery, pushListQuery, toCandidate } from '../sql/queries';
import type { IngestContext, IngestResult, PageRequest, PushFilter, Store, StoreCounts } from '../store';
import type { ImageDetail, ImagePushPage } from '../../schemas/images';
import { parsePostgresUrl } from './connection';

/** Numbers `?` placeholders as `$1, $2, …` (our SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The upsert, skipped (no row returned) when the stored report is identical. */
const UPSERT_IF_CHANGED_SQL = numberPlaceholders(
  `${UPSERT_REPORT_SQL} WHERE reports.report_json IS DISTINCT FROM excluded.report_json RETURNING id, (xmax = 0) AS created`,
);

/**
 * Replaces the report's pushes and takes the advisory lock of every digest they had or have,
 * in sorted order (no deadlocks): one lock per digest serialises the ambiguity decision.
 * $1 is the report id, $2… one array per push column after `report_id`.
 */
const WRITE_PUSHES_SQL = `
  WITH deleted AS (DELETE FROM pushes WHERE report_id = $1::bigint RETURNING digest),
  inserted AS (
    INSERT INTO pushes (${PUSH_COLUMNS.join(', ')})
    SELECT $1::bigint, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                             $10::text[], $11::bigint[], $12::text[])
    RETURNING digest),
  digests AS (SELECT digest FROM deleted UNION SELECT digest FROM inserted),
  locked AS (
    SELECT pg_advisory_xact_lock(hashtextextended(digest, 0)) FROM (SELECT digest FROM digests ORDER BY digest) AS sorted)
  SELECT (SELECT count(*) FROM locked) AS locks, array(SELECT digest FROM digests ORDER BY digest) AS digests`;

/** Every push of the given digests (an array in $1), with what the attribution rule needs. */
const CANDIDATES_SQL = `${ATTRIBUTION_CANDIDATES_SELECT} WHERE p.digest = ANY($1::text[])`;

/** Sets the attribution of several pushes: $1 ids, $2 attributions, $3 reasons. */
const UPDATE_ATTRIBUTION_SQL = `
  UPDATE pushes AS p SET attribution = v.attribution, attribution_reason = v.reason
    FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, attribution, reason) WHERE p.id = v.id`;

const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** Connects lazily to the database at `url` (see `parsePostgresUrl`). */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;

  constructor(url: string, maxConnections = 10) {
    const target = parsePostgresUrl(url, maxConnections);
    this.schema = target.schema;
    this.pool = new pg.Pool({ ...target.pool, types });
    // An idle client that loses its connection must not crash the process.
    this.pool.on('error', () => undefined);
  }

  /** The pool, for the benchmark's driver baseline. */
  get connection(): pg.Pool {
    return this.pool;
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<string[]> {
    return this.transaction(async (c) => {
      // One instance migrates at a time; the others wait here and then find nothing to do.
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended('container-mapping:migrate', 0))");
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      const applied = new Set((await c.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const done: string[] = [];
      for (const m of loadMigrations('postgres')) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        done.push(m.version);
      }
      return done;
    });
  }

  /**
   * Five round trips for a new report (BEGIN, upsert, write, candidates, COMMIT), one more
   * only when an attribution changes; each a named statement, parsed and planned once per
   * connection. The steps stay separate statements where a fresh snapshot matters: the write
   * runs after the upsert holds the report row's lock, so it sees (and deletes) the pushes of
   * a concurrent re-send that committed meanwhile; the candidates are read after the digest
   * locks are held, so they see every rival push committed before.
   */
  async ingest(report: Report, context: IngestContext): Promise<IngestResult> {
    const json = JSON.stringify(report);
    return this.transaction(async (c) => {
      // The upsert takes the report row's lock: a concurrent re-send waits here, then replaces.
      // An identical stored report is left alone (and no row comes back).
      const upserted = await c.query<{ id: number; created: boolean }>({ name: 'cm-ingest-upsert', text: UPSERT_IF_CHANGED_SQL, values: reportValues(report, context, json) });
      const row = upserted.rows[0];
      if (!row) return this.unchangedResult(c, report.idempotencyKey);
      const pushes = pushValues(report, row.id);
      const columns = PUSH_COLUMNS.slice(1).map((_, i) => pushes.map((p) => p[i + 1] ?? null));
      const written = await c.query<{ digests: string[] }>({ name: 'cm-ingest-write', text: WRITE_PUSHES_SQL, values: [row.id, ...columns] });
      const digests = written.rows[0]?.digests ?? [];
      let ambiguous = 0;
      if (digests.length > 0) {
        const found = await c.query({ name: 'cm-ingest-candidates', text: CANDIDATES_SQL, values: [digests] });
        const candidates = found.rows.map(toCandidate);
        const changes = decideAttribution(candidates, context.ambiguityWindowMs);
        if (changes.length > 0) {
          await c.query({
            name: 'cm-ingest-attribution',
            text: UPDATE_ATTRIBUTION_SQL,
            values: [changes.map((ch) => ch.id), changes.map((ch) => ch.attribution), changes.map((ch) => ch.attributionReason)],
          });
        }
        ambiguous = countAmbiguous(candidates, changes, row.id);
      }
      return { reportId: row.id, created: row.created, unchanged: false, images: pushes.length, ambiguous };
    });
  }

  private async unchangedResult(c: pg.PoolClient, idempotencyKey: string): Promise<IngestResult> {
    const { rows } = await c.query<{ id: number; images: number; ambiguous: number }>(
      `SELECT r.id, count(p.id)::int AS images, count(p.id) FILTER (WHERE p.attribution = 'ambiguous')::int AS ambiguous
         FROM reports r LEFT JOIN pushes p ON p.report_id = r.id WHERE r.idempotency_key = $1 GROUP BY r.id`,
      [idempotencyKey],
    );
    const same = rows[0];
    if (!same) throw new Error('the unchanged report is gone');
    return { reportId: same.id, created: false, unchanged: true, images: same.images, ambiguous: same.ambiguous };
  }

  async getImage(digest: string): Promise<ImageDetail | null> {
    const q = imageQuery(digest);
    const { rows } = await this.pool.query<PushRow>({ name: 'image-by-digest', text: numberPlaceholders(q.sql), values: q.params });
    return rows.length === 0 ? null : toImageDetail(digest, rows.map(toImagePush));
  }

  async listPushes(filter: PushFilter, page: PageRequest): Promise<ImagePushPage> {
    const q = pushListQuery(filter, page);
    const { rows } = await this.pool.query<PushRow>(numberPlaceholders(q.sql), q.params);
    return toPage(rows, page.limit);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await this.pool.query<{ reports: number; pushes: number }>(
      'SELECT (SELECT count(*) FROM reports)::int AS reports, (SELECT count(*) FROM pushes)::int AS pushes',
    );
    return rows[0] ?? { reports: 0, pushes: 0 };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
