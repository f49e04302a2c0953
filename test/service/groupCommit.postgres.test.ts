/**
 * PostgreSQL group commit: reports handed to a store together are written by set-based
 * statements in one transaction; a failing batch is retried report by report; two instances'
 * crossing batches never duplicate a report.
 */
import assert from 'node:assert/strict';
import { PostgresStore } from '../../service/src/store/postgres/postgresStore';
import type { IngestResult } from '../../service/src/store/store';
import { POSTGRES, type TestDatabase } from './support/stores';
import { digestOf, image, makeReport } from './support/reports';

const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };
const report = (run: number, digest = digestOf(`run-${run}`)) => makeReport({ pipeline: { runId: run }, images: [image({ digest })] });

describe('PostgreSQL group commit', () => {
  let db: TestDatabase;
  let store: PostgresStore;

  beforeEach(async () => {
    db = await POSTGRES.create();
    store = (await db.open()) as PostgresStore;
  });
  afterEach(async () => db.destroy());

  it('writes reports sent together in one transaction', async () => {
    const before = store.commits;
    const results = await Promise.all([1, 2, 3, 4, 5].map((run) => store.ingest(report(run), context)));
    assert.equal(store.commits - before, 1);
    assert.deepEqual(
      results.map((r) => r.status),
      ['created', 'created', 'created', 'created', 'created'],
    );
    assert.equal(new Set(results.map((r) => r.reportId)).size, 5);
    assert.deepEqual(await store.counts(), { reports: 5, pushes: 5 });
  });

  it('answers each report of a mixed batch as if it had come alone: created, replaced, unchanged', async () => {
    const first = await Promise.all([store.ingest(report(1), context), store.ingest(report(2), context)]);
    const [created, replaced, unchanged] = await Promise.all([
      store.ingest(report(3), context),
      store.ingest(
        makeReport({
          pipeline: { runId: 1 },
          images: [image({ digest: digestOf('run-1'), tag: 'other' }), image({ digest: digestOf('x') })],
        }),
        context,
      ),
      store.ingest(report(2), context),
    ]);
    assert.deepEqual(pick(created!), { status: 'created', images: 1 });
    assert.deepEqual(pick(replaced!), { status: 'replaced', images: 2 });
    assert.equal(replaced!.reportId, first[0]!.reportId);
    assert.deepEqual(pick(unchanged!), { status: 'unchanged', images: 1 });
    assert.equal(unchanged!.reportId, first[1]!.reportId);
    assert.deepEqual(await store.counts(), { reports: 3, pushes: 4 });
  });

  it('writes a repeated key in a later batch, so the last send wins and nothing is duplicated', async () => {
    const older = makeReport({ images: [image({ tag: 'a' })] });
    const newer = makeReport({ images: [image({ tag: 'b' })] });
    const before = store.commits;
    const [a, other, b] = await Promise.all([store.ingest(older, context), store.ingest(report(2), context), store.ingest(newer, context)]);
    // Two batches ([older, other], then [newer]), not a failed batch retried report by report.
    assert.equal(store.commits - before, 2);
    assert.equal(a!.status, 'created');
    assert.equal(other!.status, 'created');
    assert.equal(b!.status, 'replaced');
    assert.deepEqual(
      (await store.getImage(digestOf('web-api')))?.pushes.map((p) => p.tag),
      ['b'],
    );
    assert.deepEqual(await store.counts(), { reports: 2, pushes: 2 });
  });

  it('stores every report once when two instances receive the same reports at once in opposite orders', async () => {
    const other = (await db.open()) as PostgresStore;
    const reports = Array.from({ length: 12 }, (_, i) =>
      makeReport({
        pipeline: { runId: 500 + i },
        // Neighbouring runs share a push, so batches on both instances contend for the same digest locks.
        images: [
          image({ digest: digestOf(`shared-${Math.floor(i / 2)}`), pushedAt: `2026-03-01T10:00:00.${String(i % 2).padStart(3, '0')}Z` }),
        ],
      }),
    );
    const sends: Array<Promise<IngestResult>> = [];
    for (let round = 0; round < 3; round++) {
      sends.push(...reports.map((r) => store.ingest(r, context)), ...[...reports].reverse().map((r) => other.ingest(r, context)));
    }
    const results = await Promise.all(sends);
    assert.equal(results.filter((r) => r.status === 'created').length, 12);
    assert.deepEqual(await store.counts(), { reports: 12, pushes: 12 });
    const shared = await store.getImage(digestOf('shared-0'));
    assert.deepEqual(
      shared?.pushes.map((p) => p.attribution),
      ['ambiguous', 'ambiguous'],
    );
  });
});

function pick(result: IngestResult): Pick<IngestResult, 'status' | 'images'> {
  return { status: result.status, images: result.images };
}
