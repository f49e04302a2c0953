/**
 * The PostgreSQL store when its connection dies in the middle of a group commit: every report
 * of the batch is refused with StoreUnavailableError (the routes answer 503), none of it is
 * stored, the process does not crash, and the next batch is written on a fresh connection.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore } from '../../service/src/store/postgres/postgresStore';
import { StoreUnavailableError, type IngestResult } from '../../service/src/store/store';
import { createFaultyDatabase, type FaultyDatabase } from './support/faultyPostgres';
import { digestOf, image, makeReport } from './support/reports';

const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };
const contended = digestOf('contended');
const report = (run: number) => makeReport({ pipeline: { runId: run }, images: [image({ digest: contended, tag: `run-${run}` })] });

/** Settles every promise; returns each outcome. */
const settle = (sends: Array<Promise<IngestResult>>) => Promise.allSettled(sends);

describe('PostgreSQL store when its connection is terminated mid-batch', function () {
  this.timeout(60_000);
  let db: FaultyDatabase;
  let store: PostgresStore;
  let locker: pg.Client | undefined;

  beforeEach(async () => {
    db = await createFaultyDatabase();
    store = new PostgresStore(db.url, 4);
    await store.migrate();
  });
  afterEach(async () => {
    await locker?.end().catch(() => undefined);
    locker = undefined;
    await store.close();
    await db.destroy();
  });

  it('refuses every report of the batch with StoreUnavailableError, stores none of them, and writes the next batch', async () => {
    // The test holds the advisory lock of the batch's digest, so the batch stops inside its
    // transaction (after BEGIN and the upsert, in the pushes statement) until its backend is terminated.
    locker = new pg.Client({ connectionString: db.url.replace(db.applicationName, 'cm-fault-test-locker') });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [contended]);

    const outcomes = settle([1, 2, 3].map((run) => store.ingest(report(run), context)));
    let waiting = 0;
    for (let i = 0; i < 200 && waiting === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const rows = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [db.applicationName],
      );
      waiting = rows[0]?.n ?? 0;
    }
    assert.equal(waiting, 1, 'the batch never reached the advisory lock');
    assert.ok((await db.terminateServiceBackends()) >= 1);
    await locker.query('SELECT pg_advisory_unlock_all()');

    const settled = await outcomes;
    assert.deepEqual(
      settled.map((o) => o.status),
      ['rejected', 'rejected', 'rejected'],
    );
    for (const o of settled) {
      assert.ok(
        o.status === 'rejected' && o.reason instanceof StoreUnavailableError,
        `not a StoreUnavailableError: ${String(o.status === 'rejected' ? o.reason : o.value)}`,
      );
    }
    assert.deepEqual(await store.counts(), { reports: 0, pushes: 0 });

    // The same reports again, on a fresh connection: all three are new (nothing was half-written).
    const again = await Promise.all([1, 2, 3].map((run) => store.ingest(report(run), context)));
    assert.deepEqual(
      again.map((r) => r.status),
      ['created', 'created', 'created'],
    );
    assert.deepEqual(await store.counts(), { reports: 3, pushes: 3 });
  });
});
