/**
 * The Store contract: one suite, run against SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Store } from '../../service/src/store/store';
import { openStore } from '../../service/src/store/openStore';
import { DATABASES, type TestDatabase } from './support/stores';
import { digestOf, image, makeReport } from './support/reports';

const context = (principal = 'test') => ({ principal, receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 });

const MIGRATIONS = join(__dirname, '..', '..', 'service', 'src', 'store', 'migrations');

/** The migration versions on disk for one database kind (`001_initial.sql` → `001`), oldest first. */
function versionsOnDisk(kind: 'sqlite' | 'postgres'): string[] {
  return readdirSync(join(MIGRATIONS, kind))
    .map((file) => /^(\d{3})_.*\.sql$/.exec(file)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort();
}

/** Runs read-only queries on the database at `url` past the store (its own connection), in order. */
async function readPastStore(url: string, queries: string[]): Promise<unknown[][]> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return queries.map((sql) => db.prepare(sql).all());
    } finally {
      db.close();
    }
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString(), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const results: unknown[][] = [];
    for (const sql of queries) results.push((await client.query(sql.replace('$schema', `'${schema}'`))).rows);
    return results;
  } finally {
    await client.end();
  }
}

/** What a database holds besides data: its migration records and its tables' columns. */
async function schemaOf(url: string): Promise<{ migrations: unknown[]; columns: unknown[] }> {
  const columns = url.startsWith('sqlite:')
    ? "SELECT m.name AS tbl, p.name, p.type, p.pk FROM sqlite_schema m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid"
    : 'SELECT table_name, column_name, data_type, character_maximum_length FROM information_schema.columns WHERE table_schema = $schema ORDER BY table_name, ordinal_position';
  const [migrations = [], cols = []] = await readPastStore(url, [
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    columns,
  ]);
  return { migrations, columns: cols };
}

for (const kind of DATABASES) {
  describe(`Store contract on ${kind.name}`, () => {
    let db: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      db = await kind.create();
      store = await db.open();
    });
    afterEach(async () => db.destroy());

    it('applies the migrations once and finds nothing to do the second time', async () => {
      const fresh = await kind.create();
      const unmigrated = await openStore(fresh.url);
      try {
        const expected = versionsOnDisk(unmigrated.kind);
        assert.ok(expected.length > 0, `no migration files in ${join(MIGRATIONS, unmigrated.kind)}`);
        assert.deepEqual(await unmigrated.migrate(), expected, 'the first migrate() applies every migration on disk, in order');
        const once = await schemaOf(fresh.url);
        assert.deepEqual(
          once.migrations.map((m) => (m as { version: string }).version),
          expected,
          'each version is recorded once',
        );

        assert.deepEqual(await unmigrated.migrate(), [], 'the second migrate() finds nothing to do');
        assert.deepEqual(await schemaOf(fresh.url), once, 'the second migrate() changes neither the records nor the tables');
        assert.deepEqual(await unmigrated.counts(), { reports: 0, pushes: 0 });
      } finally {
        await unmigrated.close();
        await fresh.destroy();
      }
    });

    it('returns an ingested image by digest with its run, source and push details', async () => {
      const result = await store.ingest(makeReport(), context());
      assert.equal(result.status, 'created');
      assert.equal(result.images, 1);
      const found = await store.getImage(digestOf('web-api'));
      assert.ok(found);
      assert.equal(found.attribution, 'exclusive');
      assert.equal(found.pushes.length, 1);
      const push = found.pushes[0]!;
      assert.equal(push.reference, `127.0.0.1:5000/team/web-api:1.0.0@${digestOf('web-api')}`);
      assert.deepEqual(push.run, { id: 12, number: '20260301.1', url: 'https://dev.azure.com/contoso/Shop/_build/results?buildId=12' });
      assert.deepEqual(push.pipeline, { id: 7, name: 'web-api CI', hub: 'build' });
      assert.equal(push.organization.name, 'contoso');
      assert.equal(push.commit, '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c');
      assert.equal(push.agent.selfHosted, false);
      assert.equal(push.pushedAt, '2026-03-01T10:00:00.000Z');
      assert.deepEqual(found.references, [
        { registry: '127.0.0.1:5000', repository: 'team/web-api', tag: '1.0.0', firstPushedAt: push.pushedAt, lastPushedAt: push.pushedAt },
      ]);
    });

    it('returns null for a digest nobody reported', async () => {
      await store.ingest(makeReport(), context());
      assert.ok(await store.getImage(digestOf('web-api')), 'the reported digest is found');
      assert.equal(await store.getImage(digestOf('nobody')), null);
    });

    it('replaces an earlier send of the same job attempt instead of adding to it', async () => {
      await store.ingest(makeReport({ images: [image(), image({ tag: 'latest' })] }), context());
      const again = await store.ingest(makeReport({ images: [image({ tag: '1.0.1' })] }), context());
      assert.equal(again.status, 'replaced');
      assert.deepEqual(await store.counts(), { reports: 1, pushes: 1 });
      const found = await store.getImage(digestOf('web-api'));
      assert.deepEqual(
        found?.pushes.map((p) => p.tag),
        ['1.0.1'],
      );
    });

    it('reports an identical re-send as unchanged and writes nothing', async () => {
      const first = await store.ingest(makeReport(), context());
      const rows = () => readPastStore(db.url, ['SELECT * FROM reports ORDER BY id', 'SELECT * FROM pushes ORDER BY id']);
      const stored = await rows();
      const again = await store.ingest(makeReport(), { ...context('someone else'), receivedAt: new Date('2026-03-01T11:00:00Z') });
      assert.deepEqual(again, { reportId: first.reportId, status: 'unchanged', images: 1, ambiguous: 0 });
      assert.deepEqual(await rows(), stored, 'every row of reports and pushes is as it was: who sent it and when included');
    });

    it('keeps a second attempt of the same job as its own report', async () => {
      await store.ingest(makeReport(), context());
      await store.ingest(makeReport({ pipeline: { jobAttempt: 2 } }), context());
      assert.deepEqual(await store.counts(), { reports: 2, pushes: 2 });
      assert.equal((await store.getImage(digestOf('web-api')))?.attribution, 'exclusive');
    });

    it('stores a report that lists the same push twice once', async () => {
      await store.ingest(makeReport({ images: [image(), image({ pushedAt: '2026-03-01T10:00:01.000Z' })] }), context());
      assert.deepEqual(await store.counts(), { reports: 1, pushes: 1 });
    });

    it('marks the same push reported by two runs within the window ambiguous on both sides', async () => {
      await store.ingest(makeReport(), context());
      const second = await store.ingest(
        makeReport({
          pipeline: { runId: 13, definitionId: 8, definitionName: 'other' },
          images: [image({ pushedAt: '2026-03-01T10:00:00.800Z' })],
        }),
        context(),
      );
      assert.equal(second.ambiguous, 1);
      const found = await store.getImage(digestOf('web-api'));
      assert.equal(found?.attribution, 'ambiguous');
      assert.deepEqual(
        found?.pushes.map((p) => p.attribution),
        ['ambiguous', 'ambiguous'],
      );
      const byRun = new Map(found?.pushes.map((p) => [p.run.id, p.attributionReason]));
      assert.match(byRun.get(12) ?? '', /run 13/);
      assert.match(byRun.get(13) ?? '', /run 12/);
    });

    it('marks the same push reported by two jobs of one run within the window ambiguous on both sides', async () => {
      await store.ingest(makeReport(), context());
      const second = await store.ingest(
        makeReport({
          pipeline: { jobId: '0f2b1d8e-6c4a-4d3e-9b7a-5e1c2d3f4a5b', jobName: 'Publish' },
          images: [image({ pushedAt: '2026-03-01T10:00:00.800Z' })],
        }),
        context(),
      );
      assert.equal(second.ambiguous, 1);
      const found = await store.getImage(digestOf('web-api'));
      assert.deepEqual(
        found?.pushes.map((p) => p.attribution),
        ['ambiguous', 'ambiguous'],
      );
      const reasons = found?.pushes.map((p) => p.attributionReason ?? '').sort();
      assert.match(reasons?.[0] ?? '', /run 12 .*job "Build"/);
      assert.match(reasons?.[1] ?? '', /run 12 .*job "Publish"/);
    });

    it('does not mark the same push reported again by a later attempt of the same job ambiguous', async () => {
      await store.ingest(makeReport(), context());
      await store.ingest(makeReport({ pipeline: { jobAttempt: 2 }, images: [image({ pushedAt: '2026-03-01T10:00:00.800Z' })] }), context());
      const found = await store.getImage(digestOf('web-api'));
      assert.deepEqual(
        found?.pushes.map((p) => p.attribution),
        ['exclusive', 'exclusive'],
      );
    });

    it("counts only the report's own ambiguous pushes, also on an unchanged re-send", async () => {
      await store.ingest(makeReport(), context());
      const mixed = makeReport({
        pipeline: { runId: 13 },
        images: [image({ pushedAt: '2026-03-01T10:00:00.500Z' }), image({ digest: digestOf('worker'), repository: 'shop/worker' })],
      });
      const first = await store.ingest(mixed, context());
      assert.equal(first.images, 2);
      assert.equal(first.ambiguous, 1);
      const again = await store.ingest(mixed, context());
      assert.deepEqual([again.status, again.images, again.ambiguous], ['unchanged', 2, 1]);
    });

    it('does not mark pushes of the same image by two runs minutes apart ambiguous', async () => {
      await store.ingest(makeReport(), context());
      await store.ingest(makeReport({ pipeline: { runId: 13 }, images: [image({ pushedAt: '2026-03-01T10:05:00.000Z' })] }), context());
      const found = await store.getImage(digestOf('web-api'));
      assert.deepEqual(
        found?.pushes.map((p) => p.attribution),
        ['exclusive', 'exclusive'],
      );
    });

    it('clears the ambiguity when the rival run re-sends its report without that push', async () => {
      await store.ingest(makeReport(), context());
      await store.ingest(makeReport({ pipeline: { runId: 13 } }), context());
      await store.ingest(makeReport({ pipeline: { runId: 13 }, images: [] }), context());
      const found = await store.getImage(digestOf('web-api'));
      assert.deepEqual(
        found?.pushes.map((p) => [p.run.id, p.attribution, p.attributionReason]),
        [[12, 'exclusive', null]],
      );
    });

    it('pages through pushes newest first with cursors, without repeats or gaps', async () => {
      for (let i = 0; i < 7; i++) {
        await store.ingest(
          makeReport({
            pipeline: { runId: 100 + i },
            images: [image({ digest: digestOf(`p${i}`), pushedAt: `2026-03-01T10:0${i}:00.000Z` })],
          }),
          context(),
        );
      }
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listPushes({}, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((p) => p.run.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [106, 105, 104, 103, 102, 101, 100]);
    });

    it('rolls a failing report back completely', async () => {
      await store.ingest(makeReport(), context());
      const broken = makeReport({ pipeline: { runId: 99 }, images: [image({ digest: 'sha256:not-a-digest' })] });
      await assert.rejects(store.ingest(broken, context()));
      assert.deepEqual(await store.counts(), { reports: 1, pushes: 1 });
    });

    it('rolls back only the failing one of reports sent at the same moment, and keeps what it would have replaced', async () => {
      await store.ingest(makeReport({ pipeline: { runId: 50 }, images: [image({ digest: digestOf('kept') })] }), context());
      // Sent together (not awaited one by one), so a store that batches them shares one transaction.
      const outcomes = await Promise.allSettled([
        store.ingest(makeReport({ pipeline: { runId: 51 }, images: [image({ digest: digestOf('a') })] }), context()),
        // A re-send of run 50 whose push violates the digest check: its old push must survive.
        store.ingest(makeReport({ pipeline: { runId: 50 }, images: [image({ digest: 'sha256:not-a-digest' })] }), context()),
        store.ingest(
          makeReport({ pipeline: { runId: 52 }, images: [image({ digest: digestOf('b') }), image({ digest: digestOf('c'), tag: 'x' })] }),
          context(),
        ),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.deepEqual(await store.counts(), { reports: 3, pushes: 4 });
      assert.deepEqual(
        (await store.getImage(digestOf('kept')))?.pushes.map((p) => p.run.id),
        [50],
      );
      assert.deepEqual(
        (await store.getImage(digestOf('a')))?.pushes.map((p) => p.run.id),
        [51],
      );
      assert.equal((await store.getImage(digestOf('c')))?.pushes.length, 1);
    });

    it('stores one report when the same report is sent many times at the same moment', async () => {
      const report = makeReport({ images: [image(), image({ tag: 'latest' })] });
      const results = await Promise.all(Array.from({ length: 10 }, () => store.ingest(report, context())));
      assert.equal(results.filter((r) => r.status === 'created').length, 1);
      assert.equal(results.filter((r) => r.status === 'unchanged').length, 9);
      assert.deepEqual(await store.counts(), { reports: 1, pushes: 2 });
    });

    it('decides ambiguity between two runs whose reports arrive at the same moment', async () => {
      const [a, b] = await Promise.all([
        store.ingest(makeReport(), context()),
        store.ingest(makeReport({ pipeline: { runId: 13 }, images: [image({ pushedAt: '2026-03-01T10:00:00.400Z' })] }), context()),
      ]);
      // The report written second finds the other and counts its one push ambiguous. The first counts
      // 0 when it was decided alone (SQLite: each report in its savepoint), 1 when both were decided
      // at once (PostgreSQL: one batch); never more than its one push, never both 0.
      const counts = [a.ambiguous, b.ambiguous].sort().join();
      assert.ok(counts === '0,1' || counts === '1,1', `ambiguous counts ${counts}`);
      const found = await store.getImage(digestOf('web-api'));
      assert.deepEqual(
        found?.pushes.map((p) => p.attribution),
        ['ambiguous', 'ambiguous'],
      );
    });

    it('answers a ping while its database is open, and fails it once closed', async () => {
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
    });
  });
}
