/**
 * The remediation owner's view (`GET /api/v1/sources/images`), the image detail's explorer part,
 * coverage's unmapped list, and organisation-bound read tokens across every read answer, through
 * the whole app on SQLite and PostgreSQL (issue 10, section 3).
 */
import assert from 'node:assert/strict';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { CoverageRow, ExposedPage } from '../../service/src/store/explorer';
import type { SourceImagePage } from '../../service/src/store/explorerSource';
import type { ImageExplorerDetail } from '../../service/src/query/imageDetail';
import type { ImagePushPage } from '../../service/src/schemas/images';
import { DATABASES } from './support/stores';
import { READ_TOKEN, startTestService, type TestService } from './support/app';
import { ADMIN, API, WEB, seedExplorer } from './support/explorerSeed';
import { digestOf, image, makeReport } from './support/reports';

const CONTOSO_TOKEN = 'cmt_test-contoso-reader-0123456789';
const FABRIKAM_TOKEN = 'cmt_test-fabrikam-reader-0123456789';
/** Pushed by contoso's web-api CI, running nowhere, never scanned. */
const SHELVED = digestOf('shelved');

/** The explorer seed (runs 12 and 13 of contoso push `web`), plus fabrikam's run 40 pushing `api`, and contoso's run 14 pushing an image that runs nowhere. */
async function seed(svc: TestService): Promise<void> {
  await seedExplorer(svc.app.store);
  const context = { principal: 'test', receivedAt: new Date('2026-03-01T12:05:00Z'), ambiguityWindowMs: 1500 };
  const fabrikam = makeReport({
    pipeline: {
      organizationUrl: 'https://dev.azure.com/fabrikam',
      projectId: '9c0d2e4f-1a3b-4c5d-8e7f-0a1b2c3d4e5f',
      definitionId: 3,
      runId: 40,
    },
    source: { url: 'https://dev.azure.com/fabrikam/Api/_git/api', name: 'api', id: 'f0000000-0000-4000-8000-000000000040' },
    images: [image({ digest: API, repository: 'shop/api', tag: '2.0.1', pushedAt: '2026-03-01T12:00:00.000Z' })],
  });
  await svc.app.store.ingest(fabrikam, context);
  const shelved = image({ digest: SHELVED, repository: 'team/shelved', tag: '0.1', pushedAt: '2026-03-01T12:30:00.000Z' });
  await svc.app.store.ingest(makeReport({ pipeline: { runId: 14, runNumber: '20260301.3' }, images: [shelved] }), context);
}

for (const kind of DATABASES) {
  describe(`The by-source view, image detail and coverage list over HTTP on ${kind.name}`, () => {
    let svc: TestService;
    const as = (token: string, url: string) => svc.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    beforeEach(async () => {
      svc = await startTestService(kind, {
        tokens: [
          { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
          { name: 'contoso-reader', sha256: hashToken(CONTOSO_TOKEN), scopes: ['read'], organization: 'contoso' },
          { name: 'fabrikam-reader', sha256: hashToken(FABRIKAM_TOKEN), scopes: ['read'], organization: 'https://dev.azure.com/fabrikam/' },
        ],
      });
      await seed(svc);
    });
    afterEach(async () => svc.close());

    it("lists a repository's images newest first, each with its pushes, where it runs and its merged findings", async () => {
      const got = await svc.read('/api/v1/sources/images?repository=web-api');
      assert.equal(got.statusCode, 200, got.body);
      const page = got.json<SourceImagePage>();
      assert.deepEqual(
        page.items.map((i) => [i.digest, i.pushes.map((p) => p.run.id)]),
        [
          [SHELVED, [14]],
          [WEB, [13, 12]],
        ],
      );
      assert.equal(page.nextCursor, null);
      const [shelved, web] = page.items;
      assert.deepEqual(shelved?.running, [], 'an image running nowhere is listed, with no place');
      assert.deepEqual(shelved?.findings, {
        counts: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
        topFindings: [],
        scans: [],
      });
      assert.equal(web?.lastPushedAt, '2026-03-01T11:00:00.000Z');
      assert.deepEqual(
        web?.running.map((p) => [p.cluster, p.namespace, p.workloadKind, p.workloadName, p.internetExposed, p.exposure.map((e) => e.via)]),
        [['prod', 'shop', 'Deployment', 'web', true, ['Ingress', 'Ingress', 'LoadBalancer']]],
      );
      assert.equal(web?.running[0]?.snapshotTakenAt, '2026-03-02T08:00:00.000Z');
      // The same merged counts the exposed question gives for the same image.
      const exposed = await svc.app.store.listExposed({ minSeverity: 'low' }, { limit: 50 });
      assert.deepEqual(web?.findings.counts, exposed.items.find((r) => r.digest === WEB)?.counts);
      assert.ok(web && web.findings.topFindings.length > 0 && web.findings.topFindings.length <= 5);
      assert.deepEqual(web.findings.topFindings[0]?.severity, 'critical');
      assert.ok(
        web.findings.topFindings.some((f) => f.occurrences.some((o) => o.fixedVersion !== null)),
        'fixed versions are kept',
      );
      assert.deepEqual(web.findings.scans.map((s) => s.format).sort(), ['grype', 'trivy']);
      assert.deepEqual(
        got.json(),
        JSON.parse(JSON.stringify(await svc.app.store.listBySource({ repository: 'web-api' }, { limit: 50 }, {}))),
      );
    });

    it('finds the source by repository URL, repository id, or pipeline id with its project, and nothing for another pipeline', async () => {
      const digests = async (query: string) => {
        const got = await svc.read(`/api/v1/sources/images?${query}`);
        assert.equal(got.statusCode, 200, `${query}: ${got.body}`);
        return got.json<SourceImagePage>().items.map((i) => i.digest);
      };
      const both = [SHELVED, WEB];
      assert.deepEqual(await digests(`repository=${encodeURIComponent('https://contoso@dev.azure.com/contoso/Shop/_git/web-api/')}`), both);
      assert.deepEqual(await digests('repository=A1B2C3D4-0000-4000-8000-000000000001'), both);
      assert.deepEqual(await digests('pipeline=7'), both);
      assert.deepEqual(await digests('pipeline=7&project=shop&organization=contoso'), both);
      assert.deepEqual(await digests('pipeline=3'), [API]);
      assert.deepEqual(await digests('pipeline=7&hub=release'), []);
      assert.deepEqual(await digests('pipeline=7&organization=fabrikam'), []);
      assert.deepEqual(await digests('repository=api&pipeline=7'), []);
    });

    it("pages a source's images with limit and the previous page's cursor", async () => {
      const first = (await svc.read('/api/v1/sources/images?pipeline=7&limit=1')).json<SourceImagePage>();
      assert.deepEqual(
        first.items.map((i) => i.digest),
        [SHELVED],
      );
      assert.ok(first.nextCursor);
      const second = (
        await svc.read(`/api/v1/sources/images?pipeline=7&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`)
      ).json<SourceImagePage>();
      assert.deepEqual(
        second.items.map((i) => i.digest),
        [WEB],
      );
      assert.equal(second.nextCursor, null);
    });

    it('refuses a source query that names no source, a hub without pipeline and a bad cursor, with 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        ['/api/v1/sources/images', 'repository'],
        ['/api/v1/sources/images?project=shop', 'repository'],
        ['/api/v1/sources/images?repository=web-api&hub=build', 'hub'],
        ['/api/v1/sources/images?pipeline=seven', 'pipeline'],
        ['/api/v1/sources/images?repository=web-api&cursor=garbage', 'cursor'],
        ['/api/v1/sources/images?repository=web-api&color=red', 'color'],
        ['/api/v1/coverage?unmapped=perhaps', 'unmapped'],
      ];
      for (const [url, parameter] of cases) {
        const got = await svc.read(url);
        assert.equal(got.statusCode, 400, `${url}: ${got.body}`);
        assert.match(String(got.headers['content-type']), /application\/problem\+json/);
        assert.equal(got.json<{ parameter?: string }>().parameter, parameter, url);
      }
      assert.equal((await svc.app.inject({ url: '/api/v1/sources/images?repository=web-api' })).statusCode, 401);
    });

    it('shows in the image detail where the image runs and its findings, keeping the push fields', async () => {
      const got = await svc.read(`/api/v1/images/${WEB}`);
      assert.equal(got.statusCode, 200, got.body);
      const detail = got.json<ImageExplorerDetail>();
      assert.deepEqual(
        detail.pushes.map((p) => p.run.id),
        [13, 12],
      );
      assert.deepEqual(
        detail.references.map((r) => r.tag),
        ['1.0.1', '1.0.0'],
      );
      assert.deepEqual(
        detail.running.map((p) => `${p.cluster}/${p.namespace}/${p.workloadKind}/${p.workloadName}`),
        ['prod/shop/Deployment/web'],
      );
      assert.ok(detail.running[0]?.exposure.some((e) => e.via === 'LoadBalancer'));
      assert.ok(detail.findings.counts.critical >= 1);
      assert.ok(
        detail.findings.scans.every((s) => s.scanner !== '' && s.scannedAt !== null),
        'scanners and scan times',
      );
      assert.deepEqual(
        detail,
        JSON.parse(JSON.stringify({ ...(await svc.app.store.getImage(WEB)), ...(await svc.app.store.imageUsage(WEB)) })),
      );
    });

    it('answers the detail of an image that runs and was scanned but that no report names, with no pushes; 404 for one nothing is known of', async () => {
      const got = await svc.read(`/api/v1/images/${ADMIN}`);
      assert.equal(got.statusCode, 200, got.body);
      const detail = got.json<ImageExplorerDetail>();
      assert.deepEqual([detail.pushes, detail.references], [[], []]);
      assert.deepEqual(
        detail.running.map((p) => [p.workloadName, p.internetExposed]),
        [['admin', false]],
      );
      assert.ok(detail.findings.topFindings.length > 0);
      assert.equal((await svc.read(`/api/v1/images/${digestOf('never-seen')}`)).statusCode, 404);
    });

    it('lists per namespace, when asked, the unmapped digests with their references and the workloads running them', async () => {
      const plain = (await svc.read('/api/v1/coverage')).json<CoverageRow[]>();
      assert.ok(
        plain.every((row) => !('unmappedImages' in row)),
        'the list only when asked for',
      );
      const got = await svc.read('/api/v1/coverage?cluster=prod&unmapped=true');
      assert.equal(got.statusCode, 200, got.body);
      const rows = got.json<CoverageRow[]>();
      assert.deepEqual(got.json(), JSON.parse(JSON.stringify(await svc.app.store.coverage({ cluster: 'prod', unmapped: true }))));
      const shop = rows.find((r) => r.namespace === 'shop');
      assert.ok(shop?.unmappedImages);
      assert.equal(shop.unmappedImages.length, shop.unmapped, 'one entry per unmapped digest');
      const admin = shop.unmappedImages.find((i) => i.digest === ADMIN);
      assert.deepEqual(admin, {
        digest: ADMIN,
        references: ['contoso.azurecr.io/shop/admin:0.9.0'],
        workloads: [{ kind: 'Deployment', name: 'admin' }],
      });
      assert.ok(!shop.unmappedImages.some((i) => i.digest === WEB || i.digest === API), 'mapped digests are not listed');
      for (const row of rows) assert.equal(row.unmappedImages?.length, row.unmapped, `${row.namespace}`);
    });

    it('shows an organisation-bound reader only its organisation’s runs in exposed, keeping the other rows as unmapped', async () => {
      const runsOf = async (token: string) => {
        const page = (await as(token, '/api/v1/exposed?minSeverity=high')).json<ExposedPage>();
        return page.items.map((r) => [r.workloadName, r.runs.map((run) => run.run.id)]);
      };
      assert.deepEqual(await runsOf(READ_TOKEN), [
        ['api', [40]],
        ['web', [13, 12]],
      ]);
      assert.deepEqual(await runsOf(CONTOSO_TOKEN), [
        ['api', []],
        ['web', [13, 12]],
      ]);
      assert.deepEqual(await runsOf(FABRIKAM_TOKEN), [
        ['api', [40]],
        ['web', []],
      ]);
    });

    it('counts as mapped, for an organisation-bound reader, only digests its organisation’s runs pushed', async () => {
      const shopOf = async (token: string) => {
        const rows = (await as(token, '/api/v1/coverage?unmapped=true')).json<CoverageRow[]>();
        const shop = rows.find((r) => r.namespace === 'shop');
        assert.ok(shop?.unmappedImages);
        return {
          mapped: shop.mapped,
          unmapped: shop.unmapped,
          listed: [API, WEB].filter((d) => shop.unmappedImages?.some((i) => i.digest === d)),
        };
      };
      const all = await shopOf(READ_TOKEN);
      assert.deepEqual([all.mapped, all.listed], [2, []]);
      const contoso = await shopOf(CONTOSO_TOKEN);
      assert.deepEqual([contoso.mapped, contoso.unmapped, contoso.listed], [1, all.unmapped + 1, [API]]);
      const fabrikam = await shopOf(FABRIKAM_TOKEN);
      assert.deepEqual([fabrikam.mapped, fabrikam.unmapped, fabrikam.listed], [1, all.unmapped + 1, [WEB]]);
    });

    it('shows an organisation-bound reader only its organisation’s runs by source, in image detail, image lists and runs', async () => {
      const sourceDigests = async (token: string, query: string) =>
        (await as(token, `/api/v1/sources/images?${query}`)).json<SourceImagePage>().items.map((i) => i.digest);
      assert.deepEqual(await sourceDigests(CONTOSO_TOKEN, 'repository=web-api'), [SHELVED, WEB]);
      assert.deepEqual(await sourceDigests(FABRIKAM_TOKEN, 'repository=web-api'), []);
      assert.deepEqual(await sourceDigests(CONTOSO_TOKEN, 'pipeline=3'), []);
      assert.deepEqual(await sourceDigests(FABRIKAM_TOKEN, 'pipeline=3'), [API]);

      const fabrikamWeb = await as(FABRIKAM_TOKEN, `/api/v1/images/${WEB}`);
      assert.equal(fabrikamWeb.statusCode, 200, 'it still runs in the cluster: cluster data is no organisation’s');
      assert.deepEqual(fabrikamWeb.json<ImageExplorerDetail>().pushes, []);
      assert.equal(fabrikamWeb.json<ImageExplorerDetail>().running.length, 1);
      assert.deepEqual(
        (await as(CONTOSO_TOKEN, `/api/v1/images/${WEB}`)).json<ImageExplorerDetail>().pushes.map((p) => p.run.id),
        [13, 12],
      );
      assert.equal((await as(FABRIKAM_TOKEN, `/api/v1/images/${SHELVED}`)).statusCode, 404, 'known only from another organisation’s run');
      assert.equal((await as(CONTOSO_TOKEN, `/api/v1/images/${SHELVED}`)).statusCode, 200);

      const listed = async (token: string, url: string) => (await as(token, url)).json<ImagePushPage>().items.map((p) => p.run.id);
      assert.deepEqual(await listed(READ_TOKEN, '/api/v1/images'), [14, 40, 13, 12]);
      assert.deepEqual(await listed(CONTOSO_TOKEN, '/api/v1/images'), [14, 13, 12]);
      assert.deepEqual(await listed(FABRIKAM_TOKEN, '/api/v1/images'), [40]);
      assert.deepEqual(await listed(FABRIKAM_TOKEN, '/api/v1/runs/12'), []);
      assert.deepEqual(await listed(CONTOSO_TOKEN, '/api/v1/runs/12'), [12]);
    });

    it('documents the by-source route and the explorer fields of the image detail in /openapi.json', async () => {
      const doc = (await svc.app.inject('/openapi.json')).json<{
        paths: Record<string, { get?: { parameters?: { name: string }[]; responses: Record<string, unknown> } }>;
        components: { schemas: Record<string, unknown> };
      }>();
      const source = doc.paths['/api/v1/sources/images']?.get;
      assert.deepEqual(source?.parameters?.map((p) => p.name).sort(), [
        'cursor',
        'hub',
        'limit',
        'organization',
        'pipeline',
        'project',
        'repository',
        'since',
        'until',
      ]);
      const body = JSON.stringify(source?.responses['200']);
      for (const field of ['lastPushedAt', 'internetExposed', 'topFindings', 'scans', '#/components/schemas/ImagePush']) {
        assert.ok(body.includes(field), `the by-source answer documents ${field}`);
      }
      const detail = JSON.stringify(doc.components.schemas.ImageDetail);
      for (const field of ['pushes', 'running', 'findings', 'snapshotTakenAt', 'scannedAt'])
        assert.ok(detail.includes(field), `ImageDetail documents ${field}`);
      assert.ok(JSON.stringify(doc.paths['/api/v1/coverage']?.get?.responses['200']).includes('unmappedImages'));
    });
  });
}
