/**
 * The shared store: PostgreSQL, for several stateless service instances. Each report is one
 * transaction; the report row's unique idempotency key serialises re-sends of one job attempt,
 * and a transaction-scoped advisory lock per digest serialises the ambiguity decision.
 */
import pg from 'pg';
import type { Report } from '../../../../common/report';
import { decideAttribution } from '../attribution';
import { loadMigrations } from '../migrations';
import { toPage } from '../page';
import { pushValues, reportValues, toImageDetail, toImagePush, type PushRow } from '../rows';
import { UPSERT_REPORT_SQL, attributionCandidatesQuery, imageQuery, insertPushesSql, pushListQuery, toCandidate } from '../sql/queries';
import type { IngestContext, IngestResult, PageRequest, PushFilter, Store, StoreCounts } from '../store';
import type { ImageDetail, ImagePushPage } from '../../schemas/images';
import { parsePostgresUrl } from './connection';

/** Numbers `?` placeholders as `$1, $2, …` (our SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

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

  async ingest(report: Report, context: IngestContext): Promise<IngestResult> {
    const json = JSON.stringify(report);
    const stored = await this.pool.query<{ id: number; images: number; ambiguous: number }>(
      `SELECT r.id, (SELECT count(*)::int FROM pushes p WHERE p.report_id = r.id) AS images,
              (SELECT count(*)::int FROM pushes p WHERE p.report_id = r.id AND p.attribution = 'ambiguous') AS ambiguous
         FROM reports r WHERE r.idempotency_key = $1 AND r.report_json = $2`,
      [report.idempotencyKey, json],
    );
    const same = stored.rows[0];
    if (same) return { reportId: same.id, created: false, unchanged: true, images: same.images, ambiguous: same.ambiguous };
    return this.transaction(async (c) => {
      // The upsert takes the report row's lock: a concurrent re-send waits here, then replaces.
      const upserted = await c.query<{ id: number; created: boolean }>(
        numberPlaceholders(`${UPSERT_REPORT_SQL} RETURNING id, (xmax = 0) AS created`),
        reportValues(report, context),
      );
      const row = upserted.rows[0];
      if (!row) throw new Error('upsert returned no row');
      const old = await c.query<{ digest: string }>('DELETE FROM pushes WHERE report_id = $1 RETURNING digest', [row.id]);
      const digests = [...new Set([...old.rows.map((r) => r.digest), ...report.images.map((i) => i.digest)])].sort();
      const pushes = pushValues(report, row.id);
      if (pushes.length > 0) await c.query(numberPlaceholders(insertPushesSql(pushes.length)), pushes.flat());
      let ambiguous = 0;
      if (digests.length > 0) {
        await c.query(
          'SELECT pg_advisory_xact_lock(hashtextextended(d, 0)) FROM (SELECT unnest($1::text[]) AS d ORDER BY 1) AS sorted',
          [digests],
        );
        const q = attributionCandidatesQuery(digests);
        const candidates = (await c.query(numberPlaceholders(q.sql), q.params)).rows.map(toCandidate);
        for (const change of decideAttribution(candidates, context.ambiguityWindowMs)) {
          await c.query('UPDATE pushes SET attribution = $1, attribution_reason = $2 WHERE id = $3', [change.attribution, change.attributionReason, change.id]);
        }
        const counted = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pushes WHERE report_id = $1 AND attribution = 'ambiguous'", [row.id]);
        ambiguous = counted.rows[0]?.n ?? 0;
      }
      return { reportId: row.id, created: row.created, unchanged: false, images: pushes.length, ambiguous };
    });
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
