/**
 * SQLite group commit: reports handed to the store in one turn of the event loop share one
 * transaction, each in its own savepoint, and nobody hears back before the COMMIT.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../service/src/store/sqlite/sqliteStore';
import { SQLITE, type TestDatabase } from './support/stores';
import { digestOf, image, makeReport } from './support/reports';

const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };

describe('SQLite group commit', () => {
  let db: TestDatabase;
  let store: SqliteStore;

  beforeEach(async () => {
    db = await SQLITE.create();
    store = (await db.open()) as SqliteStore;
  });
  afterEach(async () => db.destroy());

  const report = (run: number, digest = digestOf(`run-${run}`)) => makeReport({ pipeline: { runId: run }, images: [image({ digest })] });

  it('writes reports sent in the same turn in one transaction', async () => {
    const before = store.commits;
    await Promise.all([1, 2, 3, 4, 5].map((run) => store.ingest(report(run), context)));
    assert.equal(store.commits - before, 1);
    assert.deepEqual(await store.counts(), { reports: 5, pushes: 5 });
  });

  it('commits the others of a batch when one report in it fails, and fails only that one', async () => {
    const before = store.commits;
    const outcomes = await Promise.allSettled([report(1), report(2, 'sha256:broken'), report(3)].map((r) => store.ingest(r, context)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(store.commits - before, 1);
    assert.deepEqual(await store.counts(), { reports: 2, pushes: 2 });
    assert.equal(await store.getImage(digestOf('run-2')), null);
  });

  it('writes a repeated key in the next batch, as PostgreSQL does: the last send wins and nothing is duplicated', async () => {
    const older = makeReport({ images: [image({ tag: 'a' })] });
    const newer = makeReport({ images: [image({ tag: 'b' })] });
    const before = store.commits;
    const [a, other, b] = await Promise.all([store.ingest(older, context), store.ingest(report(2), context), store.ingest(newer, context)]);
    // The shared queue (store/groupCommit.ts) takes [older, other], then [newer].
    assert.equal(store.commits - before, 2);
    assert.deepEqual([a!.status, other!.status, b!.status], ['created', 'created', 'replaced']);
    assert.equal(b!.reportId, a!.reportId);
    assert.deepEqual(
      (await store.getImage(digestOf('web-api')))?.pushes.map((p) => p.tag),
      ['b'],
    );
    assert.deepEqual(await store.counts(), { reports: 2, pushes: 2 });
  });

  it('answers only after the batch is committed: another connection already sees the report', async () => {
    const other = new Database(store.file, { readonly: true });
    try {
      const result = await store.ingest(report(7), context);
      const row = other.prepare('SELECT id FROM reports WHERE run_id = 7').get() as { id: number } | undefined;
      assert.equal(row?.id, result.reportId);
    } finally {
      other.close();
    }
  });

  it('commits reports still queued when the store is closed', async () => {
    const pending = store.ingest(report(8), context);
    await store.close();
    const result = await pending;
    assert.equal(result.status, 'created');
    const reopened = new SqliteStore(store.file);
    try {
      assert.deepEqual(await reopened.counts(), { reports: 1, pushes: 1 });
    } finally {
      await reopened.close();
    }
  });

  it('marks a shared push ambiguous among several digests also once the database has been analysed', async () => {
    // ANALYZE gives the planner samples of the digest index; the candidates query must still
    // find every push of every digest of the report.
    const images = (run: number) =>
      [0, 1, 2].map((i) =>
        image({ digest: digestOf(`analysed-${run === 2 && i === 1 ? 'shared' : `${run}-${i}`}`), repository: `team/app-${i}` }),
      );
    await store.ingest(
      makeReport({
        pipeline: { runId: 1 },
        images: [...images(1), image({ digest: digestOf('analysed-shared'), repository: 'team/app-1' })],
      }),
      context,
    );
    store.connection.exec('ANALYZE');
    const second = await store.ingest(makeReport({ pipeline: { runId: 2 }, images: images(2) }), context);
    assert.equal(second.ambiguous, 1);
    const shared = await store.getImage(digestOf('analysed-shared'));
    assert.deepEqual(
      shared?.pushes.map((p) => p.attribution),
      ['ambiguous', 'ambiguous'],
    );
    assert.equal((await store.getImage(digestOf('analysed-2-0')))?.attribution, 'exclusive');
  });
});
