/**
 * Two service instances on one PostgreSQL: concurrent re-sends never duplicate, and
 * concurrent reports of one push by two runs are both marked ambiguous.
 */
import assert from 'node:assert/strict';
import { buildApp, type MappingApp } from '../../service/src/app';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { ImageDetail } from '../../service/src/schemas/images';
import { POSTGRES, type TestDatabase } from './support/stores';
import { INGEST_TOKEN, READ_TOKEN } from './support/app';
import { digestOf, image, makeReport } from './support/reports';

describe('Two service instances on one PostgreSQL', () => {
  let db: TestDatabase;
  let instances: MappingApp[];

  beforeEach(async () => {
    db = await POSTGRES.create();
    // Both migrate at once on an empty schema: the advisory lock lets one do it.
    const stores = await Promise.all([db.open(), db.open()]);
    const tokens = [
      { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest' as const] },
      { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read' as const] },
    ];
    instances = await Promise.all(stores.map((store) => buildApp({ store, logger: false, config: { tokens } })));
  });
  afterEach(async () => {
    for (const app of instances) await app.close();
    await db.destroy();
  });

  const post = (app: MappingApp, payload: object) =>
    app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${INGEST_TOKEN}` }, payload });

  it('stores one report when both instances receive the same report at the same moment, many times', async () => {
    const report = makeReport({ images: [image(), image({ tag: 'latest' }), image({ digest: digestOf('b'), repository: 'team/b' })] });
    const responses = await Promise.all(Array.from({ length: 24 }, (_, i) => post(instances[i % 2]!, report)));
    assert.deepEqual(
      responses.map((r) => r.statusCode).filter((s) => s !== 200 && s !== 201),
      [],
    );
    assert.equal(responses.filter((r) => r.statusCode === 201).length, 1);
    assert.deepEqual(await instances[0]!.store.counts(), { reports: 1, pushes: 3 });
  });

  it('marks both pushes ambiguous when two runs report the same push to different instances at once', async () => {
    for (let round = 0; round < 5; round++) {
      const digest = digestOf(`shared-${round}`);
      const a = makeReport({ pipeline: { runId: 1000 + round }, images: [image({ digest })] });
      const b = makeReport({ pipeline: { runId: 2000 + round }, images: [image({ digest, pushedAt: '2026-03-01T10:00:00.300Z' })] });
      const [ra, rb] = await Promise.all([post(instances[0]!, a), post(instances[1]!, b)]);
      assert.equal(ra.statusCode, 201);
      assert.equal(rb.statusCode, 201);
      const detail = (
        await instances[0]!.inject({ url: `/api/v1/images/${digest}`, headers: { authorization: `Bearer ${READ_TOKEN}` } })
      ).json<ImageDetail>();
      assert.deepEqual(
        detail.pushes.map((p) => p.attribution),
        ['ambiguous', 'ambiguous'],
        `round ${round}`,
      );
    }
  });
});
