/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so each
 * method runs to completion on the event loop.
 *
 * Group commit (the queue is `../groupCommit.ts`): reports handed to `ingest` during one turn
 * of the event loop are written in one transaction, each inside its own savepoint (a report
 * that fails rolls back alone), and every caller learns its outcome only after the shared
 * COMMIT. Committing costs more than a report's statements (the WAL frames of every touched
 * page), so sharing it is the cheapest way to ingest more reports per second without weakening
 * "answered means committed". A batch has no size limit: SQLite writes it in one synchronous
 * run, with nothing to overlap.
 */
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Report } from '../../../../common/report';
import { countAmbiguous, decideAttribution } from '../attribution';
import { GroupCommitQueue, type Outcome } from '../groupCommit';
import { loadMigrations } from '../migrations';
import { toPage } from '../page';
import { pushValues, reportValues, toImageDetail, toImagePush, type PushRow } from '../rows';
import { ATTRIBUTION_CANDIDATES_SELECT, UPSERT_REPORT_SQL, imageQuery, insertPushesSql, pushListQuery, toCandidate } from '../sql/queries';
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
import { RELEASE_CLAIM_SQL, TAKE_CLAIM_SQL } from '../sql/claims';
import {
  DELETE_SNAPSHOT_SQL,
  INSERT_SNAPSHOT_SQL,
  refuseOlderSnapshot,
  scanStatements,
  SNAPSHOT_TAKEN_AT_SQL,
  snapshotStatements,
  type Statement,
} from '../sql/explorer';
import { relationsFromReport } from '../../explorer/platforms/fromReport';
import type { PlatformRelation } from '../../explorer/platforms/relation';
import { lookupStatement, relationStatements, relationsQuery, toRelation, unexplainedDigestsQuery } from '../sql/platforms';
import { toUnexplained } from '../unexplained';

type Bindable = string | number | bigint | null;

/** A report waiting for the next group commit. */
interface PendingIngest {
  report: Report;
  context: IngestContext;
  json: string;
}
/**
 * Every push of the digests in a JSON array, with what the attribution rule needs. The digests
 * travel as one JSON array rather than one `?` each: once the database has been analysed
 * (`ANALYZE`, `PRAGMA optimize`), SQLite's planner estimates an `IN (?, ?, ?)` list from the
 * sampled values of the digest index, which ties the plan to the bound values and makes SQLite
 * re-prepare the statement each time they change — on every report. A list from `json_each`
 * is not estimated from the samples, so the statement is prepared once (and is one statement
 * whatever the number of digests); it still walks the digest index.
 */
export const CANDIDATES_SQL = `${ATTRIBUTION_CANDIDATES_SELECT} WHERE p.digest IN (SELECT value FROM json_each(?))`;

/** Whether SQLite refused because another connection holds the lock (SQLITE_BUSY, SQLITE_LOCKED and their extended codes). */
function isLocked(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/**
 * SQLITE_BUSY (and SQLITE_LOCKED): another connection kept the write lock for longer than the
 * store waits for it — a second process on the same file, an administrator's open transaction. The
 * database is there but cannot be written now; the same request may succeed later (503).
 */
function toStoreError(err: unknown): unknown {
  if (!isLocked(err)) return err;
  const code = String((err as { code: string }).code);
  return new StoreUnavailableError(`the database is locked by another connection (${code})`, { cause: err });
}

/**
 * How long SQLite itself may wait for a lock (`busy_timeout`). better-sqlite3 is synchronous: while SQLite waits,
 * the whole service waits, every request and health check with it. So SQLite waits only briefly, and a write that
 * still finds the file locked waits between tries without holding the event loop (see `whenUnlocked`).
 */
const SQLITE_BUSY_TIMEOUT_MS = 20;
/** How long a write waits in all for another connection's lock before it is refused as 503. */
export const DEFAULT_LOCK_WAIT_MS = 5_000;

const bind = (values: Array<string | number | boolean | null>): Bindable[] => values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));

/** Opens (and creates) the SQLite database at `file`. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** `ingestOnce` wrapped in a transaction once, rather than on every call. */
  private readonly ingestTransaction: Database.Transaction<(report: Report, context: IngestContext, json: string) => IngestResult>;
  /** One transaction around a batch; inside it, `ingestTransaction` runs as a savepoint. */
  private readonly batchTransaction: Database.Transaction<(batch: readonly PendingIngest[]) => Array<Outcome<IngestResult>>>;
  private readonly queue = new GroupCommitQueue<PendingIngest, IngestResult>({
    commit: (batch) => this.commitBatch(batch),
    keyOf: (item) => item.report.idempotencyKey,
  });
  private commitCount = 0;

  /** @param lockWaitMs how long a write waits for another connection's lock before it is refused (default 5 s). */
  constructor(
    readonly file: string,
    private readonly lockWaitMs: number = DEFAULT_LOCK_WAIT_MS,
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    // WAL lets readers run beside the one writer. With WAL, synchronous=NORMAL syncs the WAL
    // only at checkpoints, not at every commit: the database can never be corrupted, but a
    // power loss or OS crash (not a crash of this process) can lose the last commits before
    // the latest checkpoint — reports the service already acknowledged, which the task will not
    // send again. FULL would close that window at the cost of one fsync per report.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    this.db.pragma('foreign_keys = ON');
    // Each report of a group commit runs in its own savepoint, and SQLite keeps what a savepoint
    // may have to undo in a statement journal, spilled to a temporary file past 64 KiB: two
    // write() calls per page touched, about half the service's system calls while ingesting.
    // In memory it costs no system call; it is discarded at each RELEASE, so it stays small.
    this.db.pragma('temp_store = MEMORY');
    this.ingestTransaction = this.db.transaction((report: Report, context: IngestContext, json: string) =>
      this.ingestOnce(report, context, json),
    );
    this.batchTransaction = this.db.transaction((batch: readonly PendingIngest[]) => this.ingestBatch(batch));
  }

  /**
   * Runs the synchronous `write` (one transaction) and, while another connection holds the lock, runs it again after
   * a pause that leaves the event loop free (10 ms, doubling up to 250 ms), for up to `lockWaitMs` in all. A refused
   * transaction was rolled back whole, so running it again is safe.
   * @throws StoreUnavailableError when the lock is still held after that; whatever else `write` throws, at once.
   */
  private async whenUnlocked<T>(write: () => T): Promise<T> {
    const giveUpAt = Date.now() + this.lockWaitMs;
    for (let pauseMs = 10; ; pauseMs = Math.min(pauseMs * 2, 250)) {
      try {
        return write();
      } catch (err) {
        if (!isLocked(err) || Date.now() + pauseMs > giveUpAt) throw toStoreError(err);
      }
      await delay(pauseMs);
    }
  }

  /** Ingestion transactions committed so far (one per group commit), for tests and the benchmark. */
  get commits(): number {
    return this.commitCount;
  }

  /** The underlying connection, for the benchmark's driver baseline. */
  get connection(): Database.Database {
    return this.db;
  }

  async migrate(): Promise<string[]> {
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as string[]);
    const done: string[] = [];
    for (const m of loadMigrations('sqlite')) {
      if (applied.has(m.version)) continue;
      await this.whenUnlocked(() =>
        this.db
          .transaction(() => {
            this.db.exec(m.sql);
            this.db
              .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
              .run(m.version, m.name, new Date().toISOString());
          })
          .immediate(),
      );
      done.push(m.version);
    }
    return done;
  }

  /** Queues the report for the next group commit; resolves once it is committed. */
  async ingest(report: Report, context: IngestContext): Promise<IngestResult> {
    return this.queue.add({ report, context, json: context.reportJson ?? JSON.stringify(report) });
  }

  /**
   * Writes a batch in one transaction. @throws when nothing of it was committed (BEGIN, COMMIT
   * or the database itself failed), StoreUnavailableError when another connection holds the lock.
   */
  private async commitBatch(batch: readonly PendingIngest[]): Promise<Array<Outcome<IngestResult>>> {
    if (!this.db.open) throw new Error('the store is closed');
    const outcomes = await this.whenUnlocked(() => this.batchTransaction.immediate(batch));
    this.commitCount += 1;
    return outcomes;
  }

  /** The body of the batch transaction: one savepoint per report. */
  private ingestBatch(batch: readonly PendingIngest[]): Array<Outcome<IngestResult>> {
    return batch.map((item): Outcome<IngestResult> => {
      try {
        return { ok: true, result: this.ingestTransaction(item.report, item.context, item.json) };
      } catch (error) {
        // The savepoint was rolled back; the others go on. If SQLite rolled back the whole
        // transaction (I/O error, disk full), nothing of the batch stands: fail all of it.
        if (!this.db.inTransaction) throw error;
        return { ok: false, error };
      }
    });
  }

  /** The body of `ingest`'s transaction. */
  private ingestOnce(report: Report, context: IngestContext, json: string): IngestResult {
    const stored = this.stmt('SELECT id, report_json FROM reports WHERE idempotency_key = ?').get(report.idempotencyKey) as
      { id: number; report_json: string } | undefined;
    if (stored?.report_json === json) return this.unchangedResult(stored.id);
    const existing = stored?.id;
    const oldDigests =
      existing === undefined ? [] : (this.stmt('SELECT DISTINCT digest FROM pushes WHERE report_id = ?').pluck().all(existing) as string[]);
    if (existing !== undefined) this.stmt('DELETE FROM pushes WHERE report_id = ?').run(existing);
    const row = this.stmt(`${UPSERT_REPORT_SQL} RETURNING id`).get(...bind(reportValues(report, context, json))) as { id: number };
    const pushes = pushValues(report, row.id);
    if (pushes.length > 0) this.insertStatement(pushes.length).run(...bind(pushes.flat()));
    this.runAll(relationStatements(relationsFromReport(report.images, `report ${row.id}`), context.receivedAt.getTime()));
    const digests = [...new Set([...oldDigests, ...report.images.map((i) => i.digest)])];
    let ambiguous = 0;
    if (digests.length > 0) {
      const candidates = (this.stmt(CANDIDATES_SQL).all(JSON.stringify(digests)) as Record<string, unknown>[]).map(toCandidate);
      const changes = decideAttribution(candidates, context.ambiguityWindowMs);
      if (changes.length > 0) {
        const update = this.stmt('UPDATE pushes SET attribution = ?, attribution_reason = ? WHERE id = ?');
        for (const change of changes) update.run(change.attribution, change.attributionReason, change.id);
      }
      ambiguous = countAmbiguous(candidates, changes, row.id);
    }
    return { reportId: row.id, status: existing === undefined ? 'created' : 'replaced', images: pushes.length, ambiguous };
  }

  private unchangedResult(reportId: number): IngestResult {
    const row = this.stmt(
      "SELECT count(*) AS images, coalesce(sum(attribution = 'ambiguous'), 0) AS ambiguous FROM pushes WHERE report_id = ?",
    ).get(reportId) as { images: number; ambiguous: number };
    return { reportId, status: 'unchanged', images: row.images, ambiguous: row.ambiguous };
  }

  private insertStatement(rows: number): Database.Statement {
    return this.stmt(insertPushesSql(rows));
  }

  /** Prepared statements, kept: preparing costs more than running these small queries. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size < 500) this.statements.set(sql, statement);
    }
    return statement;
  }

  async getImage(digest: string): Promise<ImageDetail | null> {
    const q = imageQuery(digest);
    const rows = this.stmt(q.sql).all(...q.params) as PushRow[];
    return rows.length === 0 ? null : toImageDetail(digest, rows.map(toImagePush));
  }

  async listPushes(filter: PushFilter, page: PageRequest): Promise<ImagePushPage> {
    const q = pushListQuery(filter, page);
    return toPage(this.stmt(q.sql).all(...q.params) as PushRow[], page.limit);
  }

  async replaceClusterSnapshot(
    cluster: string,
    snapshot: ClusterSnapshot,
    takenAt: Date,
    source = 'import',
    origin: SnapshotOrigin = {},
  ): Promise<void> {
    const importedAtMs = (origin.importedAt ?? new Date()).getTime();
    await this.whenUnlocked(() =>
      this.db
        .transaction(() => {
          const stored = this.stmt(SNAPSHOT_TAKEN_AT_SQL).get(cluster) as { taken_at: string } | undefined;
          refuseOlderSnapshot(cluster, stored?.taken_at, takenAt);
          this.stmt(DELETE_SNAPSHOT_SQL).run(cluster);
          const row = this.stmt(INSERT_SNAPSHOT_SQL).get(
            cluster,
            takenAt.toISOString(),
            source,
            importedAtMs,
            origin.importedBy ?? null,
          ) as {
            id: number;
          };
          this.runAll(snapshotStatements(row.id, snapshot));
        })
        .immediate(),
    );
  }

  async replaceScans(scans: readonly ImageScan[], relations: readonly PlatformRelation[] = []): Promise<void> {
    const now = Date.now();
    await this.whenUnlocked(() =>
      this.db.transaction(() => this.runAll([...scanStatements(scans, now), ...relationStatements(relations, now)])).immediate(),
    );
  }

  async takeClaim(key: string, holder: string, nowMs: number, expiresAtMs: number): Promise<boolean> {
    return this.whenUnlocked(() => this.stmt(TAKE_CLAIM_SQL).run(key, holder, expiresAtMs, nowMs).changes === 1);
  }

  async releaseClaim(key: string, holder: string): Promise<void> {
    await this.whenUnlocked(() => this.stmt(RELEASE_CLAIM_SQL).run(key, holder));
  }

  async recordPlatformRelations(relations: readonly PlatformRelation[]): Promise<void> {
    await this.writeAll(relationStatements(relations, Date.now()));
  }

  async platformRelations(digests: readonly string[]): Promise<PlatformRelation[]> {
    return digests.length === 0 ? [] : (await this.reader(relationsQuery(digests))).map(toRelation);
  }

  async unexplainedDigests(cluster: string, retryFailedBeforeMs: number, limit: number): Promise<UnexplainedDigest[]> {
    return toUnexplained(await this.reader(unexplainedDigestsQuery(cluster, retryFailedBeforeMs, limit)));
  }

  async recordRegistryLookup(lookup: RegistryLookupRecord, relations: readonly PlatformRelation[]): Promise<void> {
    const now = Date.now();
    await this.writeAll([...relationStatements(relations, now), lookupStatement(lookup, now)]);
  }

  /** Runs statements in one transaction of their own. */
  private async writeAll(statements: readonly Statement[]): Promise<void> {
    if (statements.length === 0) return;
    await this.whenUnlocked(() => this.db.transaction(() => this.runAll(statements)).immediate());
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

  /** Runs statements in order, inside the caller's transaction. */
  private runAll(statements: readonly Statement[]): void {
    for (const s of statements) this.stmt(s.sql).run(...s.params);
  }

  private readonly reader: SqlReader = async (q) => this.stmt(q.sql).all(...q.params) as Array<Record<string, unknown>>;

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async counts(): Promise<StoreCounts> {
    const get = (table: string) => this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return { reports: get('reports'), pushes: get('pushes') };
  }

  async close(): Promise<void> {
    // Reports already queued are committed (and answered) before the connection goes.
    await this.queue.drain();
    if (this.db.open) this.db.close();
  }
}
