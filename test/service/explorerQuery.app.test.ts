/**
 * `GET /api/v1/exposed` and `GET /api/v1/coverage` through the whole app on SQLite and
 * PostgreSQL (issue 10): the answer is the store's value, field for field, behind the read token.
 */
import assert from 'node:assert/strict';
import { DATABASES } from './support/stores';
import { startTestService, INGEST_TOKEN, type TestService } from './support/app';
import { API, WEB, seedExplorer } from './support/explorerSeed';
import type { ExposedPage } from '../../service/src/store/explorer';

/** The value as it goes through JSON (what a client can see of it). */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

for (const kind of DATABASES) {
  describe(`The explorer questions over HTTP on ${kind.name}`, () => {
    let svc: TestService;
    beforeEach(async () => {
      svc = await startTestService(kind);
      await seedExplorer(svc.app.store);
    });
    afterEach(async () => svc.close());

    it('answers exposed with every field the store returns, the unmapped image included with no runs', async () => {
      const got = await svc.read('/api/v1/exposed?minSeverity=high');
      assert.equal(got.statusCode, 200, got.body);
      const expected = await svc.app.store.listExposed({ minSeverity: 'high' }, { limit: 50 });
      assert.deepEqual(got.json(), throughJson(expected));
      const page = got.json<ExposedPage>();
      assert.deepEqual(
        page.items.map((r) => [r.workloadName, r.digest, r.runs.map((run) => run.run.id)]),
        [
          ['api', API, []],
          ['web', WEB, [13, 12]],
        ],
      );
      assert.ok(page.items[1]?.topFindings[0]?.occurrences.length, 'each finding keeps who said it');
    });

    it('passes cluster, namespace and fixable on to the store', async () => {
      const got = await svc.read('/api/v1/exposed?minSeverity=low&cluster=prod&namespace=shop&fixable=true');
      assert.equal(got.statusCode, 200, got.body);
      const expected = await svc.app.store.listExposed(
        { minSeverity: 'low', cluster: 'prod', namespace: 'shop', fixableOnly: true },
        { limit: 50 },
      );
      assert.deepEqual(got.json(), throughJson(expected));
      const none = await svc.read('/api/v1/exposed?minSeverity=low&cluster=staging');
      assert.deepEqual(none.json(), { items: [], nextCursor: null });
    });

    it('pages with limit and the cursor of the previous page', async () => {
      const first = await svc.read('/api/v1/exposed?minSeverity=high&limit=1');
      const firstPage = first.json<ExposedPage>();
      assert.deepEqual(
        firstPage.items.map((r) => r.workloadName),
        ['api'],
      );
      assert.ok(firstPage.nextCursor);
      const second = await svc.read(`/api/v1/exposed?minSeverity=high&limit=1&cursor=${encodeURIComponent(firstPage.nextCursor)}`);
      const secondPage = second.json<ExposedPage>();
      assert.deepEqual(
        secondPage.items.map((r) => r.workloadName),
        ['web'],
      );
      assert.equal(secondPage.nextCursor, null);
    });

    it('refuses an unknown minimum severity, and any other bad parameter, with 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        ['/api/v1/exposed?minSeverity=severe', 'minSeverity'],
        ['/api/v1/exposed', 'minSeverity'],
        ['/api/v1/exposed?minSeverity=high&fixable=maybe', 'fixable'],
        ['/api/v1/exposed?minSeverity=high&cursor=garbage', 'cursor'],
        ['/api/v1/exposed?minSeverity=high&limit=0', 'limit'],
        ['/api/v1/exposed?minSeverity=high&color=red', 'color'],
        ['/api/v1/coverage?cluster=', 'cluster'],
      ];
      for (const [url, parameter] of cases) {
        const got = await svc.read(url);
        assert.equal(got.statusCode, 400, `${url}: ${got.body}`);
        assert.match(String(got.headers['content-type']), /application\/problem\+json/);
        assert.equal(got.json<{ parameter?: string }>().parameter, parameter, url);
      }
    });

    it('answers only to a read token: 401 without credentials, 403 for an ingest-only token', async () => {
      for (const url of ['/api/v1/exposed?minSeverity=high', '/api/v1/coverage']) {
        assert.equal((await svc.app.inject({ url })).statusCode, 401);
        const ingestOnly = await svc.app.inject({ url, headers: { authorization: `Bearer ${INGEST_TOKEN}` } });
        assert.equal(ingestOnly.statusCode, 403);
      }
    });

    it('documents minSeverity as required and the rows, runs included, in /openapi.json', async () => {
      type Doc = {
        paths: Record<string, { get: { parameters: { name: string; required?: boolean }[]; responses: Record<string, unknown> } }>;
      };
      const doc = (await svc.app.inject('/openapi.json')).json<Doc>();
      const exposed = doc.paths['/api/v1/exposed']?.get;
      assert.equal(exposed?.parameters.find((p) => p.name === 'minSeverity')?.required, true);
      const body = JSON.stringify(exposed?.responses['200']);
      for (const field of ['snapshotTakenAt', 'topFindings', 'occurrences', 'hostnames', '#/components/schemas/ImagePush']) {
        assert.ok(body.includes(field), `the 200 answer documents ${field}`);
      }
      assert.ok(doc.paths['/api/v1/coverage']?.get.responses['200']);
    });

    it('answers coverage per cluster and namespace as the store counts it', async () => {
      const got = await svc.read('/api/v1/coverage');
      assert.equal(got.statusCode, 200, got.body);
      assert.deepEqual(got.json(), throughJson(await svc.app.store.coverage({})));
      const one = await svc.read('/api/v1/coverage?cluster=prod');
      assert.deepEqual(one.json(), throughJson(await svc.app.store.coverage({ cluster: 'prod' })));
      assert.ok((await svc.app.store.coverage({})).some((row) => row.mapped === 1 && row.unmapped > 0));
    });
  });
}
