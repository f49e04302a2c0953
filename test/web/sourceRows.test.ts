/**
 * The pipelines / repositories table the page builds from a real `GET /api/v1/sources/images`
 * answer (the explorer seed through the whole app): web/src/sourceRows.ts.
 */
import assert from 'node:assert/strict';
import { sourceTable } from '../../web/src/sourceRows';
import type { SourceImagePage } from '../../web/src/types';
import { SQLITE } from '../service/support/stores';
import { startTestService } from '../service/support/app';
import { API, WEB, seedExplorer } from '../service/support/explorerSeed';
import { image, makeReport } from '../service/support/reports';

describe('The pipelines / repositories table from a real by-source answer', () => {
  let page: SourceImagePage;
  before(async () => {
    const svc = await startTestService(SQLITE);
    try {
      await seedExplorer(svc.app.store);
      // A second pipeline of the same repository pushed api's image.
      const context = { principal: 'test', receivedAt: new Date('2026-03-01T12:05:00Z'), ambiguityWindowMs: 1500 };
      const nightly = makeReport({
        pipeline: { definitionId: 8, definitionName: 'web-api nightly', runId: 20, runNumber: '20260301.9' },
        images: [image({ digest: API, repository: 'shop/api', tag: '2.0.1', pushedAt: '2026-03-01T12:00:00.000Z' })],
      });
      await svc.app.store.ingest(nightly, context);
      const got = await svc.read('/api/v1/sources/images?repository=web-api');
      assert.equal(got.statusCode, 200, got.body);
      page = got.json<SourceImagePage>();
    } finally {
      await svc.close();
    }
  });

  it('lists one row per pipeline, newest push first, with its images, their findings and where they run exposed', () => {
    const table = sourceTable(page.items);
    assert.deepEqual(
      table.rows.map((r) => [r.cells.pipeline, r.cells.run, r.cells.images, r.cells.exposure, r.cells.critical, r.cells.high]),
      [
        [
          'web-api nightly (contoso/Shop)',
          'web-api nightly #20 (20260301.9)',
          '127.0.0.1:5000/shop/api:2.0.1 (0 critical, 1 high)',
          '127.0.0.1:5000/shop/api:2.0.1 → prod/shop/Deployment/api: internet via Ingress',
          0,
          1,
        ],
        [
          'web-api CI (contoso/Shop)',
          'web-api CI #13 (20260301.2)',
          '127.0.0.1:5000/team/web-api:1.0.1 (1 critical, 1 high)',
          '127.0.0.1:5000/team/web-api:1.0.1 → prod/shop/Deployment/web: internet via Ingress ×2, LoadBalancer',
          1,
          1,
        ],
      ],
    );
    assert.deepEqual(
      table.rows.map((r) => r.links.images),
      [`#/images/${encodeURIComponent(API)}`, `#/images/${encodeURIComponent(WEB)}`],
    );
    assert.ok(
      table.rows.every((r) => r.image === undefined),
      'a pipeline row is not one image: nothing to hand off from it',
    );
  });
});
