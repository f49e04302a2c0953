/**
 * Ingestion and queries through the whole app, on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import type { ImageDetail, ImagePushPage } from '../../service/src/schemas/images';
import { DATABASES } from './support/stores';
import { INGEST_TOKEN, startTestService, type TestService } from './support/app';
import { digestOf, image, makeReport } from './support/reports';

for (const kind of DATABASES) {
  describe(`Ingestion and queries through the app on ${kind.name}`, () => {
    let svc: TestService;
    beforeEach(async () => {
      svc = await startTestService(kind);
    });
    afterEach(async () => svc.close());

    it('makes a reported image queryable by digest the moment the report is accepted', async () => {
      const sent = await svc.send(makeReport());
      assert.equal(sent.statusCode, 201, sent.body);
      assert.deepEqual(sent.json(), { idempotencyKey: makeReport().idempotencyKey, status: 'created', images: 1, ambiguous: 0 });
      const got = await svc.read(`/api/v1/images/${digestOf('web-api').toUpperCase().replace('SHA256', 'sha256')}`);
      assert.equal(got.statusCode, 200);
      const body = got.json<ImageDetail>();
      assert.equal(body.pushes[0]?.run.id, 12);
      assert.equal(body.pushes[0]?.sourceRepository.name, 'web-api');
      assert.equal(body.pushes[0]?.job.attempt, 1);
    });

    it('answers 404 with a problem document for a digest nobody reported', async () => {
      const got = await svc.read(`/api/v1/images/${digestOf('never')}`);
      assert.equal(got.statusCode, 404);
      assert.equal(got.headers['content-type'], 'application/problem+json; charset=utf-8');
    });

    it('answers 400 naming the digest parameter when it is not a sha256 digest', async () => {
      const got = await svc.read('/api/v1/images/sha256:1234');
      assert.equal(got.statusCode, 400);
      assert.equal(got.json().parameter, 'digest');
    });

    it('replaces, never duplicates, a re-sent report and says whether it changed', async () => {
      assert.equal((await svc.send(makeReport())).statusCode, 201);
      const same = await svc.send(makeReport());
      assert.equal(same.statusCode, 200);
      assert.equal(same.json().status, 'unchanged');
      const changed = await svc.send(makeReport({ images: [image({ tag: '1.0.1' })] }));
      assert.equal(changed.json().status, 'replaced');
      assert.deepEqual(await svc.app.store.counts(), { reports: 1, pushes: 1 });
      const tags = (await svc.read(`/api/v1/images/${digestOf('web-api')}`)).json<ImageDetail>().pushes.map((p) => p.tag);
      assert.deepEqual(tags, ['1.0.1']);
    });

    it('narrows the image list by every filter', async () => {
      await svc.send(makeReport());
      await svc.send(
        makeReport({
          pipeline: {
            runId: 40,
            definitionId: 9,
            definitionName: 'worker CI',
            projectId: 'aaaaaaaa-0000-4000-8000-000000000009',
            projectName: 'Ops',
            organizationUrl: 'https://dev.azure.com/fabrikam',
          },
          source: { url: 'https://dev.azure.com/fabrikam/Ops/_git/worker', name: 'worker', commit: 'b'.repeat(40), id: 'r2' },
          images: [
            image({
              digest: digestOf('worker'),
              registry: '127.0.0.1:5001',
              repository: 'ops/worker',
              tag: '2.0',
              pushedAt: '2026-03-05T12:00:00.000Z',
            }),
          ],
        }),
        INGEST_TOKEN,
      );
      const cases: Array<[string, number[]]> = [
        ['registry=127.0.0.1:5001', [40]],
        ['repository=team/web-api', [12]],
        ['tag=2.0', [40]],
        ['organization=fabrikam', [40]],
        ['organization=https://dev.azure.com/contoso/', [12]],
        ['project=shop', [12]],
        ['project=aaaaaaaa-0000-4000-8000-000000000009', [40]],
        ['pipeline=9', [40]],
        ['pipeline=web-api%20CI', [12]],
        ['sourceRepository=worker', [40]],
        ['sourceRepository=https://contoso@dev.azure.com/contoso/Shop/_git/web-api', [12]],
        [`commit=${'B'.repeat(40)}`, [40]],
        ['since=2026-03-02T00:00:00Z', [40]],
        ['until=2026-03-02T00:00:00Z', [12]],
        ['since=2026-03-01T10:00:00Z&until=2026-03-05T12:00:00Z', [40, 12]],
        ['tag=nope', []],
      ];
      for (const [query, runs] of cases) {
        const got = await svc.read(`/api/v1/images?${query}`);
        assert.equal(got.statusCode, 200, `${query}: ${got.body}`);
        assert.deepEqual(
          got.json<ImagePushPage>().items.map((i) => i.run.id),
          runs,
          query,
        );
      }
    });

    it('pages the image list with cursors and refuses a cursor it did not issue', async () => {
      for (let i = 0; i < 5; i++) {
        await svc.send(
          makeReport({
            pipeline: { runId: 200 + i },
            images: [image({ digest: digestOf(`page${i}`), pushedAt: `2026-03-01T11:0${i}:00.000Z` })],
          }),
        );
      }
      const first = (await svc.read('/api/v1/images?limit=2')).json<ImagePushPage>();
      const second = (await svc.read(`/api/v1/images?limit=2&cursor=${first.nextCursor}`)).json<ImagePushPage>();
      const third = (await svc.read(`/api/v1/images?limit=2&cursor=${second.nextCursor}`)).json<ImagePushPage>();
      assert.deepEqual(
        [...first.items, ...second.items, ...third.items].map((i) => i.run.id),
        [204, 203, 202, 201, 200],
      );
      assert.equal(third.nextCursor, null);
      const bad = await svc.read('/api/v1/images?cursor=garbage');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().parameter, 'cursor');
      assert.equal((await svc.read('/api/v1/images?limit=0')).statusCode, 400);
    });

    it('lists what one run pushed, and nothing of other runs', async () => {
      await svc.send(makeReport({ images: [image(), image({ digest: digestOf('sidecar'), repository: 'team/sidecar' })] }));
      await svc.send(makeReport({ pipeline: { runId: 13 }, images: [image({ digest: digestOf('other') })] }));
      const got = await svc.read('/api/v1/runs/12?organization=contoso&project=Shop');
      assert.equal(got.statusCode, 200);
      assert.deepEqual(
        got
          .json<ImagePushPage>()
          .items.map((i) => i.repository)
          .sort(),
        ['team/sidecar', 'team/web-api'],
      );
      assert.deepEqual((await svc.read('/api/v1/runs/12?hub=release')).json<ImagePushPage>().items, []);
    });

    it('marks a push two runs reported within a second ambiguous in the image answer and the list', async () => {
      await svc.send(makeReport());
      const second = await svc.send(makeReport({ pipeline: { runId: 13 }, images: [image({ pushedAt: '2026-03-01T10:00:00.600Z' })] }));
      assert.equal(second.json().ambiguous, 1);
      const detail = (await svc.read(`/api/v1/images/${digestOf('web-api')}`)).json<ImageDetail>();
      assert.equal(detail.attribution, 'ambiguous');
      assert.ok(detail.pushes.every((p) => p.attribution === 'ambiguous' && /Docker daemon/.test(p.attributionReason ?? '')));
      const list = (await svc.read('/api/v1/images?repository=team/web-api')).json<ImagePushPage>();
      assert.deepEqual(
        list.items.map((i) => i.attribution),
        ['ambiguous', 'ambiguous'],
      );
    });

    it('keeps unicode in project and pipeline names intact', async () => {
      const report = makeReport({ pipeline: { projectName: 'Shöp – 東京', definitionName: 'web-api CI 🚀' } });
      assert.equal((await svc.send(report)).statusCode, 201);
      const push = (await svc.read(`/api/v1/images/${digestOf('web-api')}`)).json<ImageDetail>().pushes[0];
      assert.equal(push?.project.name, 'Shöp – 東京');
      assert.equal(push?.pipeline.name, 'web-api CI 🚀');
    });

    it('serves health, readiness, metrics and the OpenAPI document', async () => {
      await svc.send(makeReport());
      await svc.send({ nope: true }, INGEST_TOKEN);
      assert.deepEqual((await svc.app.inject('/healthz')).json(), { status: 'ok' });
      assert.equal((await svc.app.inject('/readyz')).json().database, svc.app.store.kind);
      const metrics = (await svc.app.inject('/metrics')).body;
      assert.match(metrics, /cm_reports_ingested_total\{result="created"\} 1/);
      assert.match(metrics, /cm_reports_rejected_total\{reason="invalid-report"\} 1/);
      // Counted once under its route and status; which bucket depends on the machine's speed, so only +Inf is certain.
      assert.match(
        metrics,
        /cm_http_request_duration_seconds_bucket\{method="POST",route="\/api\/v1\/reports",status="201",le="\+Inf"\} 1/,
      );
      assert.match(metrics, /cm_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/reports",status="201"\} 1/);
      const doc = (await svc.app.inject('/openapi.json')).json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/api/v1/images/{digest}'] && doc.paths['/api/v1/runs/{runId}'] && doc.components.schemas.Report);
    });
  });
}
