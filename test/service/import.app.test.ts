/**
 * The import routes (issue 10) through the whole app on SQLite and PostgreSQL: a kubectl List and a scanner
 * document are stored, re-imports replace, only `inventory` tokens may import, and bad bodies are 400 or 413
 * problems that say where they go wrong.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { hashToken } from '../../service/src/auth/staticTokens';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { INGEST_TOKEN, READ_TOKEN, startTestService, type TestService } from './support/app';
import { DATABASES } from './support/stores';
import { makeReport } from './support/reports';
import { WEB_API } from '../explorer/vulnerabilityFixtures';

const FIXTURES = join(__dirname, '..', 'fixtures', 'explorer');
const INVENTORY_TOKEN = 'cmt_test-inventory-token-0123456789';
const KUBECTL_LIST = readFileSync(join(FIXTURES, 'kubectl-list.json'), 'utf8');

/** The manifest digest the fixture's internet-exposed `web` Deployment runs. */
const WEB = buildClusterSnapshot(JSON.parse(KUBECTL_LIST)).workloads.find((w) => w.name === 'web')?.images[0]?.digest ?? '';

/** The Trivy fixture, as if Trivy had scanned the image `web` runs. */
const TRIVY_OF_WEB = readFileSync(join(FIXTURES, 'trivy-web-api.json'), 'utf8').replaceAll(WEB_API, WEB);

for (const kind of DATABASES) {
  describe(`Importing cluster snapshots and scans on ${kind.name}`, () => {
    let svc: TestService;

    beforeEach(async () => {
      svc = await startTestService(kind, {
        importBodyLimit: 256 * 1024,
        tokens: [
          { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
          { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
          { name: 'explorer', sha256: hashToken(INVENTORY_TOKEN), scopes: ['inventory'] },
        ],
      });
    });
    afterEach(async () => svc.close());

    function post(url: string, payload: string, token: string | null = INVENTORY_TOKEN): Promise<LightMyRequestResponse> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      return svc.app.inject({ method: 'POST', url, headers, payload });
    }
    const importCluster = (body: string, token: string | null = INVENTORY_TOKEN) => post('/api/v1/clusters/prod/snapshot', body, token);
    const importScan = (body: string, token: string | null = INVENTORY_TOKEN) => post('/api/v1/scans', body, token);

    async function exposedWorkloads(): Promise<string[]> {
      const page = await svc.app.store.listExposed({ minSeverity: 'low' }, { limit: 100 });
      return page.items.map((row) => `${row.cluster}/${row.namespace}/${row.workloadName}`);
    }

    it('stores a kubectl List as the cluster snapshot and answers what it read, skipped kinds counted', async () => {
      const response = await importCluster(KUBECTL_LIST);
      assert.equal(response.statusCode, 201, response.body);
      const answer = response.json<{ cluster: string; workloads: number; internetExposed: number; skipped: Record<string, number> }>();
      assert.equal(answer.cluster, 'prod');
      assert.ok(answer.workloads > 0 && answer.internetExposed > 0, response.body);
      const coverage = await svc.app.store.coverage({ cluster: 'prod' });
      assert.ok(
        coverage.some((row) => row.namespace === 'shop' && row.images > 0),
        JSON.stringify(coverage),
      );

      const withUnknownKind = JSON.parse(KUBECTL_LIST) as { items: unknown[] };
      withUnknownKind.items.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'shop' } });
      const again = await importCluster(JSON.stringify(withUnknownKind));
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.json<{ skipped: Record<string, number> }>().skipped.ConfigMap, 1);
    });

    it('stores a scanner document so that an exposed workload running the scanned image is listed', async () => {
      assert.equal((await importCluster(KUBECTL_LIST)).statusCode, 201);
      assert.deepEqual(await exposedWorkloads(), []);
      const response = await importScan(TRIVY_OF_WEB);
      assert.equal(response.statusCode, 201, response.body);
      const answer = response.json<{ format: string; images: number; findings: number }>();
      assert.equal(answer.format, 'trivy');
      assert.equal(answer.images, 1);
      assert.ok(answer.findings > 0);
      assert.deepEqual(await exposedWorkloads(), ['prod/shop/web']);
    });

    it('replaces the cluster snapshot whole on re-import, and a scanner document with no findings clears that tool’s', async () => {
      assert.equal((await importCluster(KUBECTL_LIST)).statusCode, 201);
      assert.equal((await importScan(TRIVY_OF_WEB)).statusCode, 201);
      const clean = JSON.parse(TRIVY_OF_WEB) as { Results?: { Vulnerabilities?: unknown[] }[] };
      for (const result of clean.Results ?? []) delete result.Vulnerabilities;
      assert.equal((await importScan(JSON.stringify(clean))).statusCode, 201);
      assert.deepEqual(await exposedWorkloads(), []);

      assert.equal((await importScan(TRIVY_OF_WEB)).statusCode, 201);
      const empty = await importCluster(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] }));
      assert.equal(empty.statusCode, 201, empty.body);
      assert.deepEqual(await exposedWorkloads(), []);
      assert.deepEqual(await svc.app.store.coverage({ cluster: 'prod' }), []);
    });

    it('refuses an ingest token, a read token and a pipeline token with 403 and a request without a token with 401, storing nothing', async () => {
      const pipeline = await svc.tokenFor(makeReport());
      for (const [token, status] of [
        [INGEST_TOKEN, 403],
        [pipeline, 403],
        [READ_TOKEN, 403],
        [null, 401],
      ] as const) {
        const response = await importCluster(KUBECTL_LIST, token);
        assert.equal(response.statusCode, status, response.body);
        assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal((await importScan(TRIVY_OF_WEB, token)).statusCode, status);
      }
      assert.deepEqual(await svc.app.store.coverage({}), []);
    });

    it('answers 400 naming the position for malformed and truncated JSON', async () => {
      const malformed = await importCluster('{"apiVersion": "v1", "kind": "List", "items": [x]}');
      assert.equal(malformed.statusCode, 400, malformed.body);
      assert.match(malformed.json<{ detail: string }>().detail, /expected a value at position 47 \(line 1, column 48\)/);

      const truncated = await importScan(TRIVY_OF_WEB.slice(0, 100));
      assert.equal(truncated.statusCode, 400, truncated.body);
      assert.match(truncated.json<{ detail: string }>().detail, /at position 100 .*truncated/);
    });

    it('answers 400 naming the parameter for a cluster name that is not a plain name', async () => {
      const response = await post('/api/v1/clusters/prod%20weu/snapshot', KUBECTL_LIST);
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json<{ parameter: string }>().parameter, 'cluster');
    });

    it('answers 400 with the JSON pointer of a wrong kind or a wrongly typed field', async () => {
      const notList = await importCluster(JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }));
      assert.equal(notList.statusCode, 400, notList.body);
      assert.equal(notList.json<{ pointer: string }>().pointer, '');
      assert.match(notList.json<{ detail: string }>().detail, /expected a Kubernetes List/);

      const list = JSON.parse(KUBECTL_LIST) as { items: { kind: unknown }[] };
      list.items[2]!.kind = 7;
      const wrongType = await importCluster(JSON.stringify(list));
      assert.equal(wrongType.statusCode, 400, wrongType.body);
      assert.equal(wrongType.json<{ pointer: string }>().pointer, '/items/2/kind');

      const notScan = await importScan(KUBECTL_LIST);
      assert.equal(notScan.statusCode, 400, notScan.body);
      assert.equal(notScan.json<{ type: string }>().type, 'https://container-mapping.dev/problems/invalid-scan');
    });

    it('accepts a body past the report limit and answers 413 past the import limit', async () => {
      const padded = JSON.parse(KUBECTL_LIST) as Record<string, unknown>;
      padded.padding = 'x'.repeat(2 * 1024 * 1024 - KUBECTL_LIST.length);
      const small = await startTestService(kind, {
        bodyLimit: 64 * 1024,
        importBodyLimit: 4 * 1024 * 1024,
        tokens: [{ name: 'explorer', sha256: hashToken(INVENTORY_TOKEN), scopes: ['inventory'] }],
      });
      try {
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${INVENTORY_TOKEN}` };
        const accepted = await small.app.inject({
          method: 'POST',
          url: '/api/v1/clusters/big/snapshot',
          headers,
          payload: JSON.stringify(padded),
        });
        assert.equal(accepted.statusCode, 201, accepted.body);
      } finally {
        await small.close();
      }
      const tooLarge = await importCluster(JSON.stringify(padded));
      assert.equal(tooLarge.statusCode, 413, tooLarge.body);
      assert.equal(tooLarge.headers['content-type'], 'application/problem+json; charset=utf-8');
    });
  });
}
