/**
 * SQLite when another connection holds the write lock (a second process on the same file, an administrator's open
 * transaction): the write waits without holding the event loop, so the service keeps answering, and it is stored
 * once the lock is given back; held too long, it is refused as the database being unavailable (503), and nothing is lost.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { setTimeout as delay } from 'node:timers/promises';
import { SqliteStore } from '../../service/src/store/sqlite/sqliteStore';
import { StoreUnavailableError } from '../../service/src/store/store';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { SQLITE, type TestDatabase } from './support/stores';
import { digestOf, image, makeReport } from './support/reports';

const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };
const report = (run: number) => makeReport({ pipeline: { runId: run }, images: [image({ digest: digestOf(`run-${run}`) })] });

describe('SQLite writes while another connection holds the lock', () => {
  let db: TestDatabase;
  let store: SqliteStore;
  let other: Database.Database;

  beforeEach(async () => {
    db = await SQLITE.create();
    store = (await db.open()) as SqliteStore;
    other = new Database(store.file);
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await db.destroy();
  });

  /** Settles to 'pending' unless `promise` settled first. */
  const stateOf = (promise: Promise<unknown>) =>
    Promise.race([
      promise.then(
        () => 'fulfilled',
        () => 'rejected',
      ),
      Promise.resolve('pending'),
    ]);

  it('keeps answering reads while a report waits for the lock, and stores the report once the lock is given back', async () => {
    other.exec('BEGIN IMMEDIATE');
    const ingest = store.ingest(report(1), context);
    // Let the group commit start and find the file locked. A store that waited inside SQLite would hold the event loop
    // here until it gave up, and this pause would end only after the report had been refused.
    await delay(100);
    assert.equal(await stateOf(ingest), 'pending', 'the report waits for the lock');
    assert.deepEqual(await store.counts(), { reports: 0, pushes: 0 }, 'reads are answered meanwhile');
    const snapshotWrite = store.replaceClusterSnapshot(
      'prod',
      buildClusterSnapshot({ apiVersion: 'v1', kind: 'List', items: [] }),
      new Date(),
    );
    await delay(50);
    assert.equal(await stateOf(snapshotWrite), 'pending');
    other.exec('COMMIT');
    assert.equal((await ingest).status, 'created');
    await snapshotWrite;
    assert.deepEqual(await store.counts(), { reports: 1, pushes: 1 });
  });

  it('refuses a write as the database being unavailable when the lock is held past the wait, and stores it when sent again', async () => {
    const impatient = new SqliteStore(store.file, 300);
    try {
      other.exec('BEGIN IMMEDIATE');
      await assert.rejects(impatient.ingest(report(2), context), (err: unknown) => {
        assert.ok(err instanceof StoreUnavailableError, String(err));
        assert.match(err.message, /locked by another connection \(SQLITE_BUSY/);
        return true;
      });
      await assert.rejects(impatient.takeClaim('k', 'a', 0, 1), StoreUnavailableError);
      other.exec('ROLLBACK');
      assert.equal((await impatient.ingest(report(2), context)).status, 'created');
      assert.deepEqual(await impatient.counts(), { reports: 1, pushes: 1 });
    } finally {
      await impatient.close();
    }
  });
});
