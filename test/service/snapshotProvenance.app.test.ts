/**
 * Snapshot provenance (issue 10) on SQLite and PostgreSQL: each cluster snapshot keeps when it was taken at its
 * source, when it was imported, how (`import`, `sync`) and by whom (the token's name, never the token), and the import
 * answer and the exposed rows say so; `import kubernetes` dates a file by `--taken-at` or its modification time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { hashToken } from '../../service/src/auth/staticTokens';
import { main } from '../../service/src/cli/main';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import type { ExposedPage } from '../../service/src/store/explorer';
import { READ_TOKEN, startTestService, type TestService } from './support/app';
import { DATABASES } from './support/stores';
import { WEB_API } from '../explorer/vulnerabilityFixtures';
import { KubernetesApiStandIn, type KubernetesObject } from '../support/kubernetesApi';

const FIXTURES = join(__dirname, '..', 'fixtures', 'explorer');
const INVENTORY_TOKEN = 'cmt_test-inventory-provenance-0123456789';
const KUBECTL_LIST = readFileSync(join(FIXTURES, 'kubectl-list.json'), 'utf8');
const WEB = buildClusterSnapshot(JSON.parse(KUBECTL_LIST)).workloads.find((w) => w.name === 'web')?.images[0]?.digest ?? '';
const TRIVY_OF_WEB = readFileSync(join(FIXTURES, 'trivy-web-api.json'), 'utf8').replaceAll(WEB_API, WEB);

interface SnapshotAnswer {
  cluster: string;
  takenAt: string;
  importedAt: string;
  importedBy: string;
}

function capture(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

for (const kind of DATABASES) {
  describe(`Snapshot provenance on ${kind.name}`, () => {
    let svc: TestService;
    let dir: string;

    beforeEach(async () => {
      svc = await startTestService(kind, {
        tokens: [
          { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
          { name: 'cluster-importer', sha256: hashToken(INVENTORY_TOKEN), scopes: ['inventory'] },
        ],
      });
      dir = mkdtempSync(join(tmpdir(), 'cm-provenance-'));
    });
    afterEach(async () => {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function post(url: string, payload: string): Promise<LightMyRequestResponse> {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${INVENTORY_TOKEN}` };
      return svc.app.inject({ method: 'POST', url, headers, payload });
    }

    /** The exposed row of `web` through the HTTP API (the response schema must name every provenance field). */
    async function webRow(): Promise<ExposedPage['items'][number]> {
      const response = await svc.read('/api/v1/exposed?minSeverity=low');
      assert.equal(response.statusCode, 200, response.body);
      const row = response.json<ExposedPage>().items.find((r) => r.workloadName === 'web');
      assert.ok(row, response.body);
      return row;
    }

    it('keeps when the snapshot was taken and who imported it, and says so in the answer and in every exposed row', async () => {
      const response = await post('/api/v1/clusters/prod/snapshot?takenAt=2026-03-01T10:00:00.123456%2B02:00', KUBECTL_LIST);
      assert.equal(response.statusCode, 201, response.body);
      const answer = response.json<SnapshotAnswer>();
      assert.equal(answer.takenAt, '2026-03-01T08:00:00.123Z', 'normalised: UTC, milliseconds');
      assert.equal(answer.importedBy, 'token:cluster-importer');
      assert.ok(!response.body.includes(INVENTORY_TOKEN));
      assert.ok(Date.parse(answer.importedAt) > Date.parse(answer.takenAt), 'imported now, taken in March 2026');
      assert.equal((await post('/api/v1/scans', TRIVY_OF_WEB)).statusCode, 201);

      const row = await webRow();
      assert.equal(row.snapshotTakenAt, answer.takenAt);
      assert.equal(row.snapshotImportedAt, answer.importedAt);
      assert.equal(row.snapshotSource, 'import');
      assert.equal(row.snapshotImportedBy, 'token:cluster-importer');
    });

    it('dates a snapshot sent without takenAt by when the service received it', async () => {
      const response = await post('/api/v1/clusters/prod/snapshot', KUBECTL_LIST);
      assert.equal(response.statusCode, 201, response.body);
      const answer = response.json<SnapshotAnswer>();
      assert.equal(answer.takenAt, answer.importedAt);
    });

    it('refuses a takenAt that is not a date-time, or later than its arrival, with 400 naming it, and stores nothing', async () => {
      const later = new Date(Date.now() + 3_600_000).toISOString();
      for (const [value, detail] of [
        ['yesterday', /not an RFC 3339 date-time/],
        ['2026-02-30T00:00:00Z', /not an RFC 3339 date-time/],
        [later, /later than the service's clock .* by more than 5 minutes/],
      ] as const) {
        const response = await post(`/api/v1/clusters/prod/snapshot?takenAt=${encodeURIComponent(value)}`, KUBECTL_LIST);
        assert.equal(response.statusCode, 400, `${value}: ${response.body}`);
        const problem = response.json<{ detail: string; errors: Array<{ parameter?: string }> }>();
        assert.equal(problem.errors[0]?.parameter, 'takenAt');
        assert.match(problem.detail, detail);
      }
      assert.deepEqual(await svc.app.store.coverage({}), []);
    });

    it('refuses with 409 naming takenAt a snapshot taken before the stored one, which is kept whole; the same instant or later replaces it', async () => {
      const EMPTY_LIST = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] });
      const at = (takenAt: string, body: string) => post(`/api/v1/clusters/prod/snapshot?takenAt=${encodeURIComponent(takenAt)}`, body);
      assert.equal((await at('2026-03-02T08:00:00Z', KUBECTL_LIST)).statusCode, 201);
      assert.equal((await post('/api/v1/scans', TRIVY_OF_WEB)).statusCode, 201);
      const before = await svc.app.store.coverage({});

      // A late import of an older view (a retried upload, a slow CronJob): the cluster's newer snapshot stays.
      const late = await at('2026-03-02T07:59:59.999Z', EMPTY_LIST);
      assert.equal(late.statusCode, 409, late.body);
      const problem = late.json<{ detail: string; errors: Array<{ parameter?: string }> }>();
      assert.equal(problem.errors[0]?.parameter, 'takenAt');
      assert.match(problem.detail, /prod stored now was taken at 2026-03-02T08:00:00\.000Z, after this one \(2026-03-02T07:59:59\.999Z\)/);
      assert.deepEqual(await svc.app.store.coverage({}), before, 'the stored snapshot is unchanged');
      assert.equal((await webRow()).snapshotTakenAt, '2026-03-02T08:00:00.000Z');

      // Another cluster is not held against this one's time.
      assert.equal((await post('/api/v1/clusters/staging/snapshot?takenAt=2026-03-01T00:00:00Z', EMPTY_LIST)).statusCode, 201);
      // The same instant sent again replaces it (a retry of the same read), and so does a later one.
      assert.equal((await at('2026-03-02T08:00:00Z', KUBECTL_LIST)).statusCode, 201);
      assert.equal((await at('2026-03-02T09:00:00Z', EMPTY_LIST)).statusCode, 201);
      assert.deepEqual(
        (await svc.app.store.coverage({})).filter((row) => row.cluster === 'prod'),
        [],
        'the later, empty view replaced the workloads',
      );
    });

    it('keeps the newer snapshot when the store is asked directly (the scheduled sync) to replace it with an older one', async () => {
      const snapshot = buildClusterSnapshot(JSON.parse(KUBECTL_LIST));
      await svc.app.store.replaceClusterSnapshot('prod', snapshot, new Date('2026-03-02T08:00:00Z'), 'import');
      await assert.rejects(
        svc.app.store.replaceClusterSnapshot('prod', { ...snapshot, workloads: [] }, new Date('2026-03-02T07:00:00Z'), 'sync'),
        (err: Error) => err.name === 'StaleSnapshotError' && /taken at 2026-03-02T08:00:00\.000Z/.test(err.message),
      );
      assert.ok((await svc.app.store.coverage({})).some((row) => row.cluster === 'prod' && row.images > 0));
    });

    it('reads a snapshot stored without provenance (before migration 008) with no importer', async () => {
      await svc.app.store.replaceClusterSnapshot('prod', buildClusterSnapshot(JSON.parse(KUBECTL_LIST)), new Date('2026-03-01T08:00:00Z'));
      assert.equal((await post('/api/v1/scans', TRIVY_OF_WEB)).statusCode, 201);
      const row = await webRow();
      assert.equal(row.snapshotImportedBy, null);
      assert.equal(row.snapshotSource, 'import');
      assert.equal(row.snapshotTakenAt, '2026-03-01T08:00:00.000Z');
    });

    describe('from the command line', () => {
      let url: string;
      beforeEach(async () => {
        url = await svc.app.listen({ port: 0, host: '127.0.0.1' });
        assert.equal((await post('/api/v1/scans', TRIVY_OF_WEB)).statusCode, 201);
      });
      const env = () => ({ CM_URL: url, CM_TOKEN: INVENTORY_TOKEN });

      it('import kubernetes dates a file by its modification time, or by --taken-at when given', async () => {
        const file = join(dir, 'prod.json');
        writeFileSync(file, KUBECTL_LIST);
        const modified = new Date('2026-03-01T08:15:00.000Z');
        utimesSync(file, modified, modified);

        const c = capture(env());
        assert.equal(await main(['import', 'kubernetes', '--cluster', 'prod', file], c.io), 0, c.err.join('\n'));
        assert.equal((await webRow()).snapshotTakenAt, modified.toISOString());

        const stated = capture(env());
        const code = await main(['import', 'kubernetes', '--cluster', 'prod', '--taken-at', '2026-03-02T00:30:00+01:00', file], stated.io);
        assert.equal(code, 0, stated.err.join('\n'));
        const row = await webRow();
        assert.equal(row.snapshotTakenAt, '2026-03-01T23:30:00.000Z');
        assert.equal(row.snapshotImportedBy, 'token:cluster-importer');

        const query = capture({ CM_URL: url, CM_TOKEN: READ_TOKEN });
        assert.equal(await main(['query', 'exposed', '--min-severity', 'low', '--json'], query.io), 0, query.err.join('\n'));
        const line = (JSON.parse(query.out.join('\n')) as Array<Record<string, unknown>>).find((l) => l['workloadName'] === 'web');
        assert.deepEqual([line?.['snapshotTakenAt'], line?.['snapshotImportedBy']], ['2026-03-01T23:30:00.000Z', 'token:cluster-importer']);
      });

      it('import kubernetes exits 2 naming --taken-at when it is not a date-time', async () => {
        const c = capture(env());
        const code = await main(
          ['import', 'kubernetes', '--cluster', 'prod', '--taken-at', 'monday', join(FIXTURES, 'kubectl-list.json')],
          c.io,
        );
        assert.equal(code, 2);
        assert.match(c.err.join('\n'), /--taken-at "monday" is not an RFC 3339 date-time/);
        assert.deepEqual(await svc.app.store.coverage({}), []);
      });

      it('sync kubernetes --url dates the snapshot by when it started reading the cluster', async () => {
        const items = (JSON.parse(KUBECTL_LIST) as { items: KubernetesObject[] }).items;
        const api = await KubernetesApiStandIn.start({ objects: items, token: 'reader', gatewayApi: true });
        try {
          const before = new Date().toISOString();
          const c = capture(env());
          const code = await main(['sync', 'kubernetes', '--kubeconfig', api.writeKubeconfig(), '--cluster', 'prod', '--url', url], c.io);
          assert.equal(code, 0, c.err.join('\n'));
          const row = await webRow();
          assert.ok(row.snapshotTakenAt >= before && row.snapshotTakenAt <= row.snapshotImportedAt, JSON.stringify(row));
          assert.equal(row.snapshotImportedBy, 'token:cluster-importer');
        } finally {
          await api.close();
        }
      });
    });
  });
}
