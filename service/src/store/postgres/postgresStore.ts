/**
 * The shared store: PostgreSQL, for several stateless service instances. The report row's
 * unique idempotency key serialises re-sends of one job attempt, and a transaction-scoped
 * advisory lock per digest serialises the ambiguity decision.
 *
 * Group commit (the queue is `../groupCommit.ts`): up to two batches at a time per store.
 * Reports that arrive while batches are being written wait for the next one, and a batch is
 * one transaction (BEGIN and COMMIT shared, and one WAL flush). Every caller is answered after
 * that COMMIT. When a batch fails for any reason (a bad row, a deadlock with another
 * instance's batch), it is rolled back whole and each of its reports is written again in a
 * transaction of its own, so a failing report still fails alone and the others are stored;
 * their callers are answered when the last of them is through.
 *
 * Connection loss (a restart, a failover, a terminated backend) is the exception: the batch's
 * connection is dropped and every report of the batch is refused with StoreUnavailableError,
 * without a second try. When the connection dies during COMMIT nobody knows whether it
 * committed, so no report of it may be acknowledged; the sender tries again (503), and the
 * idempotency key makes that second send find the report if it was stored after all. Reads,
 * `ping` and `counts` turn connection failures into StoreUnavailableError too. The pool opens
 * fresh connections when the database is back: nothing needs a restart.
 */
import pg from 'pg';
import type { Report } from '../../../../common/report';
import { countAmbiguous, decideAttribution } from '../attribution';
import { GroupCommitQueue, type Outcome } from '../groupCommit';
import { loadMigrations } from '../migrations';
import { toPage } from '../page';
import { PUSH_COLUMNS, REPORT_COLUMNS, pushValues, reportValues, toImageDetail, toImagePush, type PushRow } from '../rows';
import { imageQuery, pushListQuery, toCandidate } from '../sql/queries';
import {
  StoreUnavailableError,
  type IngestContext,
  type IngestResult,
  type PageRequest,
  type PushFilter,
  type SnapshotOrigin,
  type Store,
  type StoreCounts,
  type RegistryLookupRecord,
  type UnexplainedDigest,
} from '../store';
import type { ImageDetail, ImagePushPage } from '../../schemas/images';
import type { ClusterSnapshot } from '../../explorer/kubernetes/model';
import type { ImageScan } from '../../explorer/vulnerabilities/finding';
import type { CoverageRow, ExposedFilter, ExposedPage } from '../explorer';
import { listExposed, type SqlReader } from '../explorerReads';
import { imageUsage, listBySource, visibleCoverage } from '../explorerSourceReads';
import type { ImageUsage, SourceFilter, SourceImagePage } from '../explorerSource';
import { EVERY_RUN, type ReadScope } from '../readScope';
import { replaceClusterSnapshot, replaceScans } from './explorerWrites';
import { relationsFromReport } from '../../explorer/platforms/fromReport';
import type { PlatformRelation } from '../../explorer/platforms/relation';
import { relationsQuery, toRelation, unexplainedDigestsQuery } from '../sql/platforms';
import { toUnexplained } from '../unexplained';
import { recordPlatformRelations, recordRegistryLookup, runPlatformStatements, sortedRelationStatements } from './platformWrites';
import { numberPlaceholders } from './placeholders';
import { parsePostgresUrl } from './connection';
import { createPool, query, transaction } from './pool';
import { RELEASE_CLAIM_SQL, TAKE_CLAIM_SQL } from '../sql/claims';
import { CANDIDATES_SQL, UNCHANGED_SQL, UPDATE_ATTRIBUTION_SQL, UPSERT_REPORTS_SQL, WRITE_PUSHES_SQL, columnsOf } from './ingestSql';

export { numberPlaceholders } from './placeholders';

/** Deadlocks between two instances' batches are resolved by PostgreSQL aborting one: retry it. */
const DEADLOCK_DETECTED = '40P01';
const MAX_ATTEMPTS = 3;
/** Long enough to share a commit among many reports, short enough to keep each lock brief. */
const MAX_BATCH = 32;
/** Two batches in flight: one is written while the next one's statements travel (bench:service). */
const MAX_WRITERS = 2;

/** A report waiting for the next batch. */
interface PendingIngest {
  report: Report;
  context: IngestContext;
  json: string;
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
  /** One ambiguity window per batch: `ingestWith` decides attribution once for all of it. */
  private readonly queue = new GroupCommitQueue<PendingIngest, IngestResult>({
    commit: (batch) => this.commitBatch(batch),
    keyOf: (item) => item.report.idempotencyKey,
    groupOf: (item) => item.context.ambiguityWindowMs,
    maxBatch: MAX_BATCH,
    maxWriters: MAX_WRITERS,
  });
  private commitCount = 0;

  constructor(url: string, maxConnections = 10) {
    const target = parsePostgresUrl(url, maxConnections);
    this.schema = target.schema;
    this.pool = createPool({ ...target.pool, types });
  }

  /** Ingestion transactions committed so far (a batch counts once), for tests and the benchmark. */
  get commits(): number {
    return this.commitCount;
  }

  /** The pool, for the benchmark's driver baseline. */
  get connection(): pg.Pool {
    return this.pool;
  }

  async migrate(): Promise<string[]> {
    return transaction(this.pool, async (c) => {
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

  /** Queues the report for the next batch; resolves once it is committed. */
  async ingest(report: Report, context: IngestContext): Promise<IngestResult> {
    return this.queue.add({ report, context, json: context.reportJson ?? JSON.stringify(report) });
  }

  /**
   * Writes a batch in one transaction; when that fails for any reason but a lost connection,
   * writes each report again in a transaction of its own, so a failing report fails alone.
   * @throws StoreUnavailableError when the batch's connection was lost: maybe committed, maybe
   * not, so no report of it may be acknowledged (see the file's comment).
   */
  private async commitBatch(batch: readonly PendingIngest[]): Promise<Array<Outcome<IngestResult>>> {
    if (batch.length > 1) {
      try {
        const results = await transaction(this.pool, (c) => this.ingestWith(c, batch));
        this.commitCount += 1;
        return results.map((result) => ({ ok: true, result }));
      } catch (err) {
        if (err instanceof StoreUnavailableError) throw err;
        // Rolled back whole: each report gets a transaction of its own below.
      }
    }
    const outcomes: Array<Outcome<IngestResult>> = [];
    for (const item of batch) {
      try {
        outcomes.push({ ok: true, result: await this.ingestAlone(item) });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  /** One report in its own transaction, retried when PostgreSQL broke a deadlock by aborting it. */
  private async ingestAlone(item: PendingIngest): Promise<IngestResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [result] = await transaction(this.pool, (c) => this.ingestWith(c, [item]));
        this.commitCount += 1;
        return result!;
      } catch (err) {
        if ((err as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * Reports (distinct keys) inside the caller's transaction, whatever their number: three
   * round trips when all are new (upsert, write, candidates), one more when some are unchanged
   * and one when an attribution changes; each a named statement, parsed and planned once per
   * connection. The steps stay separate statements where a fresh snapshot matters: the write
   * runs after the upsert holds the report rows' locks, so it sees (and deletes) the pushes of
   * a concurrent re-send that committed meanwhile; the candidates are read after the digest
   * locks are held, so they see every rival push committed before.
   */
  private async ingestWith(c: pg.PoolClient, batch: readonly PendingIngest[]): Promise<IngestResult[]> {
    // The upsert takes the report rows' locks: a concurrent re-send waits here, then replaces.
    const reportRows = batch.map(({ report, context, json }) => reportValues(report, context, json));
    const upserted = await c.query<{ id: number; idempotency_key: string; created: boolean }>({
      name: 'cm-ingest-upsert',
      text: UPSERT_REPORTS_SQL,
      values: columnsOf(reportRows, REPORT_COLUMNS.length),
    });
    const written = new Map(upserted.rows.map((r) => [r.idempotency_key, r]));
    const results = new Map<string, IngestResult>();
    const unchanged = batch.filter((item) => !written.has(item.report.idempotencyKey)).map((item) => item.report.idempotencyKey);
    if (unchanged.length > 0) {
      const same = await c.query<{ id: number; idempotency_key: string; images: number; ambiguous: number }>({
        name: 'cm-ingest-unchanged',
        text: UNCHANGED_SQL,
        values: [unchanged],
      });
      for (const r of same.rows)
        results.set(r.idempotency_key, { reportId: r.id, status: 'unchanged', images: r.images, ambiguous: r.ambiguous });
    }
    const changed = batch.filter((item) => written.has(item.report.idempotencyKey));
    if (changed.length > 0) {
      const pushesOf = new Map(
        changed.map((item) => [item.report.idempotencyKey, pushValues(item.report, written.get(item.report.idempotencyKey)!.id)]),
      );
      const ids = changed.map((item) => written.get(item.report.idempotencyKey)!.id);
      const pushRows = [...pushesOf.values()].flat();
      const locked = await c.query<{ digests: string[] }>({
        name: 'cm-ingest-write',
        text: WRITE_PUSHES_SQL,
        values: [ids, ...columnsOf(pushRows, PUSH_COLUMNS.length)],
      });
      const digests = locked.rows[0]?.digests ?? [];
      const candidates =
        digests.length === 0
          ? []
          : (await c.query({ name: 'cm-ingest-candidates', text: CANDIDATES_SQL, values: [digests] })).rows.map(toCandidate);
      // The rule groups pushes by reference, so deciding over the whole batch's digests at once is the same as one report at a time.
      const changes = decideAttribution(candidates, changed[0]!.context.ambiguityWindowMs);
      if (changes.length > 0) {
        await c.query({
          name: 'cm-ingest-attribution',
          text: UPDATE_ATTRIBUTION_SQL,
          values: [changes.map((ch) => ch.id), changes.map((ch) => ch.attribution), changes.map((ch) => ch.attributionReason)],
        });
      }
      const relations = changed.flatMap((item) =>
        relationsFromReport(item.report.images, `report ${written.get(item.report.idempotencyKey)!.id}`),
      );
      if (relations.length > 0)
        await runPlatformStatements(c, sortedRelationStatements(relations, changed[0]!.context.receivedAt.getTime()));
      for (const item of changed) {
        const row = written.get(item.report.idempotencyKey)!;
        const images = pushesOf.get(item.report.idempotencyKey)?.length ?? 0;
        results.set(item.report.idempotencyKey, {
          reportId: row.id,
          status: row.created ? 'created' : 'replaced',
          images,
          ambiguous: countAmbiguous(candidates, changes, row.id),
        });
      }
    }
    return batch.map((item) => {
      const result = results.get(item.report.idempotencyKey);
      if (!result) throw new Error('the unchanged report is gone');
      return result;
    });
  }

  async getImage(digest: string): Promise<ImageDetail | null> {
    const q = imageQuery(digest);
    const { rows } = await query<PushRow>(this.pool, { name: 'image-by-digest', text: numberPlaceholders(q.sql), values: q.params });
    return rows.length === 0 ? null : toImageDetail(digest, rows.map(toImagePush));
  }

  async listPushes(filter: PushFilter, page: PageRequest): Promise<ImagePushPage> {
    const q = pushListQuery(filter, page);
    const { rows } = await query<PushRow>(this.pool, numberPlaceholders(q.sql), q.params);
    return toPage(rows, page.limit);
  }

  async replaceClusterSnapshot(
    cluster: string,
    snapshot: ClusterSnapshot,
    takenAt: Date,
    source = 'import',
    origin: SnapshotOrigin = {},
  ): Promise<void> {
    await replaceClusterSnapshot(this.pool, cluster, snapshot, takenAt, source, origin);
  }

  async replaceScans(scans: readonly ImageScan[], relations: readonly PlatformRelation[] = []): Promise<void> {
    await replaceScans(this.pool, scans, relations);
  }

  async takeClaim(key: string, holder: string, nowMs: number, expiresAtMs: number): Promise<boolean> {
    const result = await query(this.pool, numberPlaceholders(TAKE_CLAIM_SQL), [key, holder, expiresAtMs, nowMs]);
    return result.rowCount === 1;
  }

  async releaseClaim(key: string, holder: string): Promise<void> {
    await query(this.pool, numberPlaceholders(RELEASE_CLAIM_SQL), [key, holder]);
  }

  async recordPlatformRelations(relations: readonly PlatformRelation[]): Promise<void> {
    await recordPlatformRelations(this.pool, relations);
  }

  async platformRelations(digests: readonly string[]): Promise<PlatformRelation[]> {
    return digests.length === 0 ? [] : (await this.reader(relationsQuery(digests))).map(toRelation);
  }

  async unexplainedDigests(cluster: string, retryFailedBeforeMs: number, limit: number): Promise<UnexplainedDigest[]> {
    return toUnexplained(await this.reader(unexplainedDigestsQuery(cluster, retryFailedBeforeMs, limit)));
  }

  async recordRegistryLookup(lookup: RegistryLookupRecord, relations: readonly PlatformRelation[]): Promise<void> {
    await recordRegistryLookup(this.pool, lookup, relations);
  }

  async listExposed(filter: ExposedFilter, page: PageRequest, scope: ReadScope = EVERY_RUN): Promise<ExposedPage> {
    return listExposed(this.reader, filter, page, scope);
  }

  async coverage(filter: { cluster?: string; unmapped?: boolean }, scope: ReadScope = EVERY_RUN): Promise<CoverageRow[]> {
    return visibleCoverage(this.reader, filter, scope);
  }

  async listBySource(filter: SourceFilter, page: PageRequest, scope: ReadScope): Promise<SourceImagePage> {
    return listBySource(this.reader, filter, page, scope);
  }

  async imageUsage(digest: string): Promise<ImageUsage> {
    return imageUsage(this.reader, digest);
  }

  private readonly reader: SqlReader = async (q) => (await query(this.pool, numberPlaceholders(q.sql), q.params)).rows;

  async ping(): Promise<void> {
    await query(this.pool, 'SELECT 1');
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await query<{ reports: number; pushes: number }>(
      this.pool,
      'SELECT (SELECT count(*) FROM reports)::int AS reports, (SELECT count(*) FROM pushes)::int AS pushes',
    );
    return rows[0] ?? { reports: 0, pushes: 0 };
  }

  async close(): Promise<void> {
    // Reports already queued are written (and answered) before the pool goes.
    await this.queue.drain();
    await this.pool.end();
  }
}
