/**
 * The explorer's storage contract (issue 10): cluster snapshots, scanner findings and the
 * "exposed and vulnerable" and coverage questions, on SQLite and PostgreSQL. Snapshots and scans
 * come from the real-format fixtures through the pure cores, as the import will give them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import type { ClusterSnapshot, Workload } from '../../service/src/explorer/kubernetes/model';
import { parseScannerDocument } from '../../service/src/explorer/vulnerabilities/parse';
import type { ImageScan } from '../../service/src/explorer/vulnerabilities/finding';
import type { ExposedFilter } from '../../service/src/store/explorer';
import type { Store } from '../../service/src/store/store';
import { DATABASES, type TestDatabase } from './support/stores';
import { image, makeReport } from './support/reports';
import { loadFixture } from '../explorer/vulnerabilityFixtures';

const TAKEN_AT = new Date('2026-03-02T08:00:00Z');
const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };

function clusterFixture(): ClusterSnapshot {
  const json: unknown = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'explorer', 'kubectl-list.json'), 'utf8'));
  return buildClusterSnapshot(json);
}

const SNAPSHOT = clusterFixture();

function workload(name: string): Workload {
  const found = SNAPSHOT.workloads.find((w) => w.name === name);
  assert.ok(found, `the kubectl fixture has a workload named ${name}`);
  return found;
}

function digestOfWorkload(name: string): string {
  const digest = workload(name).images[0]?.digest;
  assert.ok(digest, `workload ${name} runs a resolved digest`);
  return digest;
}

/** `web` (LoadBalancer and Ingress), `api` (Ingress) and `admin` (behind an internal load balancer). */
const WEB = digestOfWorkload('web');
const API = digestOfWorkload('api');
const ADMIN = digestOfWorkload('admin');

/** A scanner fixture's findings, as if that scanner had scanned the image with `digest`. */
function scanOf(fixture: 'trivy-web-api.json' | 'grype-web-api.json', digest: string): ImageScan[] {
  return parseScannerDocument(loadFixture(fixture)).scans.map((scan) => ({ ...scan, digest }));
}

/** Run 12 and run 13 of the same pipeline both pushed `web`'s digest. */
async function pushWebTwice(store: Store): Promise<void> {
  await store.ingest(makeReport({ images: [image({ digest: WEB })] }), context);
  const later = image({ digest: WEB, tag: '1.0.1', pushedAt: '2026-03-01T11:00:00.000Z' });
  await store.ingest(makeReport({ pipeline: { runId: 13, runNumber: '20260301.2' }, images: [later] }), context);
}

async function exposedNames(store: Store, filter: ExposedFilter): Promise<string[]> {
  const page = await store.listExposed(filter, { limit: 100 });
  return page.items.map((row) => `${row.cluster}/${row.namespace}/${row.workloadName}`);
}

/** Opens several pooled connections (PostgreSQL), so that imports started together really run at the same time. */
async function openConnections(store: Store): Promise<void> {
  await Promise.all([1, 2, 3, 4].map(() => store.coverage({})));
}

for (const kind of DATABASES) {
  describe(`Explorer store contract on ${kind.name}`, () => {
    let db: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      db = await kind.create();
      store = await db.open();
      await store.replaceScans([...scanOf('trivy-web-api.json', WEB), ...scanOf('grype-web-api.json', WEB)]);
      await store.replaceScans([...scanOf('trivy-web-api.json', API), ...scanOf('grype-web-api.json', ADMIN)]);
    });
    afterEach(async () => db.destroy());

    it('re-importing a cluster replaces its snapshot: a deleted workload is gone, another cluster keeps its own', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      await store.replaceClusterSnapshot('staging', SNAPSHOT, TAKEN_AT);
      const withoutWeb = { ...SNAPSHOT, workloads: SNAPSHOT.workloads.filter((w) => w.name !== 'web') };
      await store.replaceClusterSnapshot('prod', withoutWeb, new Date('2026-03-03T08:00:00Z'));

      assert.deepEqual(await exposedNames(store, { minSeverity: 'high' }), ['prod/shop/api', 'staging/shop/api', 'staging/shop/web']);
      const prod = await store.listExposed({ minSeverity: 'high', cluster: 'prod' }, { limit: 10 });
      assert.equal(prod.items[0]?.snapshotTakenAt, '2026-03-03T08:00:00.000Z', 'the row shows the time of the snapshot that said it');
    });

    it('lists one row per exposed workload and image with merged counts, top findings, paths and every run of its digest', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      await pushWebTwice(store);

      const page = await store.listExposed({ minSeverity: 'high' }, { limit: 10 });
      assert.deepEqual(
        page.items.map((r) => [r.workloadKind, r.workloadName, r.digest]),
        [
          ['Deployment', 'api', API],
          ['Deployment', 'web', WEB],
        ],
      );
      const [api, web] = page.items;
      assert.deepEqual(api?.runs, [], 'an unmapped image is listed with no runs, not dropped');
      assert.deepEqual(
        web?.counts,
        { critical: 1, high: 1, medium: 2, low: 1, negligible: 0, unknown: 1 },
        'each CVE once across scanners',
      );
      assert.deepEqual(
        web?.topFindings.map((f) => [f.vulnerabilityId, f.severity]),
        [
          ['CVE-2024-0727', 'critical'],
          ['CVE-2023-0464', 'high'],
        ],
      );
      assert.deepEqual(web?.exposure, workload('web').exposure, 'the exposure paths are kept as the snapshot gave them');
      assert.deepEqual(
        web?.runs.map((run) => [run.run.id, run.pipeline.name, run.sourceRepository.name, run.commit, run.branch]),
        [
          [13, 'web-api CI', 'web-api', '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c', 'refs/heads/main'],
          [12, 'web-api CI', 'web-api', '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c', 'refs/heads/main'],
        ],
        'both runs that pushed the digest, newest first',
      );
      assert.equal(page.nextCursor, null);
    });

    it('does not list a workload behind an internal load balancer, however severe its findings', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      const page = await store.listExposed({ minSeverity: 'low' }, { limit: 100 });
      assert.ok(page.items.length > 0, 'other workloads are listed at this threshold');
      assert.ok(!page.items.some((r) => r.digest === ADMIN), 'admin (critical findings, internal load balancer) is not listed');
    });

    it('keeps only images with a finding at or above the severity, and only fixable ones when asked', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      assert.deepEqual(
        await exposedNames(store, { minSeverity: 'critical' }),
        ['prod/shop/web'],
        'Trivy alone saw nothing critical on api',
      );
      assert.deepEqual(await exposedNames(store, { minSeverity: 'critical', fixableOnly: true }), [], 'the critical CVE has no fix');
      assert.deepEqual(await exposedNames(store, { minSeverity: 'high', fixableOnly: true }), ['prod/shop/api', 'prod/shop/web']);
      assert.deepEqual(await exposedNames(store, { minSeverity: 'high', namespace: 'kube-system' }), []);
    });

    it("re-importing one scanner's findings for one image replaces only those", async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      const trivyLowOnly = scanOf('trivy-web-api.json', WEB).map((s) => ({
        ...s,
        findings: s.findings.filter((f) => f.severity === 'low'),
      }));
      await store.replaceScans(trivyLowOnly);

      const rows = (await store.listExposed({ minSeverity: 'high' }, { limit: 10 })).items;
      const web = rows.find((r) => r.digest === WEB);
      assert.deepEqual(web?.counts, { critical: 1, high: 0, medium: 2, low: 1, negligible: 0, unknown: 0 }, "Grype's findings stay");
      assert.ok(
        rows.some((r) => r.digest === API && r.counts.high === 1),
        "Trivy's findings for another image stay",
      );
    });

    it('pages through exposed rows with a cursor', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      const first = await store.listExposed({ minSeverity: 'high' }, { limit: 1 });
      assert.deepEqual(
        first.items.map((r) => r.workloadName),
        ['api'],
      );
      assert.ok(first.nextCursor);
      const second = await store.listExposed({ minSeverity: 'high' }, { limit: 1, cursor: first.nextCursor });
      assert.deepEqual(
        second.items.map((r) => r.workloadName),
        ['web'],
      );
      assert.equal(second.nextCursor, null);
    });

    it('counts running images mapped to a run and not, per cluster and namespace', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      await store.replaceClusterSnapshot('staging', { ...SNAPSHOT, workloads: [workload('web')] }, TAKEN_AT);
      await pushWebTwice(store);

      const shopDigests = new Set(SNAPSHOT.workloads.filter((w) => w.namespace === 'shop').flatMap((w) => w.images.map((i) => i.digest)));
      shopDigests.delete(null);
      assert.deepEqual(await store.coverage({}), [
        { cluster: 'prod', namespace: 'kube-system', images: 1, mapped: 0, unmapped: 1, unresolved: 0 },
        { cluster: 'prod', namespace: 'shop', images: shopDigests.size, mapped: 1, unmapped: shopDigests.size - 1, unresolved: 1 },
        { cluster: 'staging', namespace: 'shop', images: 1, mapped: 1, unmapped: 0, unresolved: 0 },
      ]);
      assert.deepEqual(
        (await store.coverage({ cluster: 'staging' })).map((r) => r.cluster),
        ['staging'],
      );
    });

    it('imports the same cluster twice at once as one after the other: both succeed, every row once', async () => {
      await openConnections(store);
      await Promise.all([
        store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT),
        store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT),
      ]);
      assert.deepEqual(await exposedNames(store, { minSeverity: 'high' }), ['prod/shop/api', 'prod/shop/web']);
    });

    it("imports one scanner's findings for one image twice at once as one after the other: each finding once", async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      const occurrences = async () =>
        (await store.listExposed({ minSeverity: 'high', namespace: 'shop' }, { limit: 10 })).items
          .find((r) => r.digest === API)
          ?.topFindings.map((f) => f.occurrences.length);
      const once = await occurrences();
      await openConnections(store);
      await Promise.all([store.replaceScans(scanOf('trivy-web-api.json', API)), store.replaceScans(scanOf('trivy-web-api.json', API))]);
      assert.deepEqual(await occurrences(), once);
    });

    it('leaves the previous snapshot whole when an import fails half-way', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      const before = await store.coverage({});
      const broken = workload('api');
      const badImage = { ...broken.images[0]!, digest: 'sha256:not-a-digest' };
      // Workloads are written before images: the invalid digest fails a later statement of the import.
      const bad = { ...SNAPSHOT, workloads: [...SNAPSHOT.workloads.filter((w) => w !== broken), { ...broken, images: [badImage] }] };
      await assert.rejects(store.replaceClusterSnapshot('prod', bad, new Date('2026-03-03T08:00:00Z')));
      assert.deepEqual(await store.coverage({}), before);
      assert.deepEqual(await exposedNames(store, { minSeverity: 'high' }), ['prod/shop/api', 'prod/shop/web']);
    });

    it('leaves the previous findings whole when a scan import fails half-way', async () => {
      await store.replaceClusterSnapshot('prod', SNAPSHOT, TAKEN_AT);
      const before = await store.listExposed({ minSeverity: 'low' }, { limit: 100 });
      const emptyTrivy = scanOf('trivy-web-api.json', WEB).map((s) => ({ ...s, findings: [] }));
      const invalid = scanOf('trivy-web-api.json', 'sha256:not-a-digest');
      await assert.rejects(store.replaceScans([...emptyTrivy, ...invalid]));
      assert.deepEqual(await store.listExposed({ minSeverity: 'low' }, { limit: 100 }), before);
    });
  });
}
