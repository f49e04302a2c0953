/**
 * The explorer's "pushed by" conditions through the whole app on SQLite and PostgreSQL (issue 11):
 * source repository, organisation, project and push time on `GET /api/v1/exposed`, the time range
 * on `GET /api/v1/sources/images`, what an organisation-bound reader may narrow by, and the 400s.
 */
import assert from 'node:assert/strict';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { ExposedPage } from '../../service/src/store/explorer';
import type { SourceImagePage } from '../../service/src/store/explorerSource';
import { DATABASES } from './support/stores';
import { READ_TOKEN, startTestService, type TestService } from './support/app';
import { API, WEB, seedExplorer } from './support/explorerSeed';
import { digestOf, image, makeReport, PROJECT_ID } from './support/reports';

const CONTOSO_TOKEN = 'cmt_test-contoso-conditions-0123456789';
const FABRIKAM_PROJECT = '9c0d2e4f-1a3b-4c5d-8e7f-0a1b2c3d4e5f';
/** Pushed by contoso's web-api CI at 12:30, running nowhere. */
const SHELVED = digestOf('shelved');

/**
 * The explorer seed (contoso's web-api CI runs 12 at 10:00 and 13 at 11:00 push `web`), fabrikam's run 40
 * pushing `api` at 12:00 from its own repository, and contoso's run 14 pushing an image that runs nowhere.
 */
async function seed(svc: TestService): Promise<void> {
  await seedExplorer(svc.app.store);
  const context = { principal: 'test', receivedAt: new Date('2026-03-01T12:35:00Z'), ambiguityWindowMs: 1500 };
  const fabrikam = makeReport({
    pipeline: { organizationUrl: 'https://dev.azure.com/fabrikam', projectId: FABRIKAM_PROJECT, definitionId: 3, runId: 40 },
    source: { url: 'https://dev.azure.com/fabrikam/Api/_git/api', name: 'api', id: 'f0000000-0000-4000-8000-000000000040' },
    images: [image({ digest: API, repository: 'shop/api', tag: '2.0.1', pushedAt: '2026-03-01T12:00:00.000Z' })],
  });
  await svc.app.store.ingest(fabrikam, context);
  const shelved = image({ digest: SHELVED, repository: 'team/shelved', tag: '0.1', pushedAt: '2026-03-01T12:30:00.000Z' });
  await svc.app.store.ingest(makeReport({ pipeline: { runId: 14, runNumber: '20260301.3' }, images: [shelved] }), context);
}

for (const kind of DATABASES) {
  describe(`The explorer's "pushed by" conditions over HTTP on ${kind.name}`, () => {
    let svc: TestService;
    const as = (token: string, url: string) => svc.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    /** The exposed rows as [workload, run ids] for a query string (minimum severity high). */
    const exposed = async (query: string, token = READ_TOKEN) => {
      const got = await as(token, `/api/v1/exposed?minSeverity=high${query}`);
      assert.equal(got.statusCode, 200, `${query}: ${got.body}`);
      return got.json<ExposedPage>().items.map((r) => [r.workloadName, r.runs.map((run) => run.run.id)]);
    };
    beforeEach(async () => {
      svc = await startTestService(kind, {
        tokens: [
          { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
          { name: 'contoso-reader', sha256: hashToken(CONTOSO_TOKEN), scopes: ['read'], organization: 'contoso' },
        ],
      });
      await seed(svc);
    });
    afterEach(async () => svc.close());

    it('keeps the exposed rows whose image a run of the source repository pushed, by name, URL or id', async () => {
      assert.deepEqual(await exposed(''), [
        ['api', [40]],
        ['web', [13, 12]],
      ]);
      assert.deepEqual(await exposed('&repository=web-api'), [['web', [13, 12]]]);
      assert.deepEqual(await exposed(`&repository=${encodeURIComponent('https://dev.azure.com/fabrikam/Api/_git/api/')}`), [['api', [40]]]);
      assert.deepEqual(await exposed('&repository=F0000000-0000-4000-8000-000000000040'), [['api', [40]]]);
      assert.deepEqual(await exposed('&repository=nothing-built-here'), []);
    });

    it('keeps the exposed rows pushed by a run of the organisation (name or URL) and of the project', async () => {
      assert.deepEqual(await exposed('&organization=fabrikam'), [['api', [40]]]);
      assert.deepEqual(await exposed(`&organization=${encodeURIComponent('https://dev.azure.com/contoso/')}`), [['web', [13, 12]]]);
      assert.deepEqual(await exposed(`&project=${PROJECT_ID}`), [['web', [13, 12]]]);
      assert.deepEqual(await exposed(`&project=${FABRIKAM_PROJECT}&organization=contoso`), [], 'every condition must hold for one push');
    });

    it('keeps the exposed rows pushed within the time range, both ends inclusive, each row still listing all its runs', async () => {
      assert.deepEqual(await exposed('&since=2026-03-01T11:30:00Z'), [['api', [40]]]);
      assert.deepEqual(await exposed('&until=2026-03-01T10:00:00Z'), [['web', [13, 12]]]);
      assert.deepEqual(await exposed('&since=2026-03-01T11:00:00Z&until=2026-03-01T12:00:00Z'), [
        ['api', [40]],
        ['web', [13, 12]],
      ]);
      assert.deepEqual(await exposed('&since=2026-03-01T12:00:00.001Z&repository=web-api'), []);
    });

    it("narrows an organisation-bound reader only by its own organisation's pushes", async () => {
      assert.deepEqual(await exposed('&organization=fabrikam', CONTOSO_TOKEN), [], 'a push it may not see does not qualify a row');
      assert.deepEqual(await exposed('&repository=api', CONTOSO_TOKEN), []);
      assert.deepEqual(await exposed('&repository=web-api', CONTOSO_TOKEN), [['web', [13, 12]]]);
    });

    it("narrows a source's images and their pushes to the time range", async () => {
      const source = async (query: string) => {
        const got = await svc.read(`/api/v1/sources/images?repository=web-api${query}`);
        assert.equal(got.statusCode, 200, got.body);
        return got.json<SourceImagePage>().items.map((i) => [i.digest, i.pushes.map((p) => p.run.id)]);
      };
      assert.deepEqual(await source(''), [
        [SHELVED, [14]],
        [WEB, [13, 12]],
      ]);
      assert.deepEqual(await source('&since=2026-03-01T12:15:00Z'), [[SHELVED, [14]]]);
      assert.deepEqual(await source('&until=2026-03-01T10:30:00Z'), [[WEB, [12]]]);
      assert.deepEqual(await source('&since=2026-03-01T10:30:00Z&until=2026-03-01T11:00:00Z'), [[WEB, [13]]]);
    });

    it('refuses a bad condition with 400 naming the parameter, on both routes', async () => {
      const cases: [string, string][] = [
        ['/api/v1/exposed?minSeverity=high&since=yesterday', 'since'],
        ['/api/v1/exposed?minSeverity=high&until=2026-02-30T00:00:00Z', 'until'],
        ['/api/v1/exposed?minSeverity=high&since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', 'until'],
        ['/api/v1/exposed?minSeverity=high&repository=', 'repository'],
        ['/api/v1/exposed?minSeverity=high&organization=', 'organization'],
        ['/api/v1/exposed?minSeverity=high&project=', 'project'],
        ['/api/v1/sources/images?repository=web-api&since=2026-03-01', 'since'],
        ['/api/v1/sources/images?repository=web-api&since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', 'until'],
      ];
      for (const [url, parameter] of cases) {
        const got = await svc.read(url);
        assert.equal(got.statusCode, 400, `${url}: ${got.body}`);
        assert.match(String(got.headers['content-type']), /application\/problem\+json/);
        const problem = got.json<{ parameter?: string; detail: string }>();
        assert.equal(problem.parameter, parameter, `${url}: ${got.body}`);
      }
      const empty = (await svc.read('/api/v1/exposed?minSeverity=high&since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z')).json<{
        detail: string;
      }>();
      assert.match(empty.detail, /^until is before since \(2026-03-02T00:00:00Z\): the time range is empty$/);
    });

    it('documents the conditions of both routes in /openapi.json', async () => {
      const doc = (await svc.app.inject('/openapi.json')).json<{
        paths: Record<string, { get?: { parameters?: Array<{ name: string; schema?: { format?: string } }> } }>;
      }>();
      const params = (path: string) => doc.paths[path]?.get?.parameters ?? [];
      const exposedNames = params('/api/v1/exposed').map((p) => p.name);
      for (const name of ['repository', 'organization', 'project', 'since', 'until']) assert.ok(exposedNames.includes(name), name);
      for (const path of ['/api/v1/exposed', '/api/v1/sources/images']) {
        assert.equal(params(path).find((p) => p.name === 'since')?.schema?.format, 'date-time', path);
        assert.equal(params(path).find((p) => p.name === 'until')?.schema?.format, 'date-time', path);
      }
    });
  });
}
