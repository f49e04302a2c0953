/**
 * Index ↔ platform manifest matching in the store (issue 10), on SQLite and PostgreSQL: a workload running an
 * index gets the runs and findings of its platform manifests and the reverse, through relations a report, a
 * scan or the registry stated; coverage counts such a digest as mapped; siblings never match each other.
 */
import assert from 'node:assert/strict';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { parseScannerDocument } from '../../service/src/explorer/vulnerabilities/parse';
import type { ImageScan } from '../../service/src/explorer/vulnerabilities/finding';
import type { PlatformRelation } from '../../service/src/explorer/platforms/relation';
import type { Store } from '../../service/src/store/store';
import { DATABASES, type TestDatabase } from './support/stores';
import { digestOf, image, makeReport } from './support/reports';
import { list, pod, service } from '../explorer/kubernetesItems';
import { loadFixture } from '../explorer/vulnerabilityFixtures';

const INDEX = digestOf('multi-platform index');
const AMD64 = digestOf('linux/amd64 manifest');
const ARM64 = digestOf('linux/arm64 manifest');
const REPOSITORY = '127.0.0.1:5000/team/web';
const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };

/** One internet-exposed bare pod per `[name, digest]`, each behind its own LoadBalancer. */
function cluster(...pods: Array<[name: string, digest: string]>) {
  return buildClusterSnapshot(
    list(
      ...pods.flatMap(([name, digest]) => [
        pod('shop', name, { app: name }, { imageID: `${REPOSITORY}@${digest}` }),
        service('shop', `${name}-lb`, 'LoadBalancer', { app: name }),
      ]),
    ),
  );
}

/** The Trivy fixture's findings, as if Trivy had scanned `digest`. */
function trivyOf(digest: string): ImageScan[] {
  return parseScannerDocument(loadFixture('trivy-web-api.json')).scans.map((s) => ({ ...s, digest }));
}

const relation = (indexDigest: string, platformDigest: string, source: PlatformRelation['source']): PlatformRelation => ({
  indexDigest,
  platformDigest,
  platform: { os: 'linux', architecture: platformDigest === ARM64 ? 'arm64' : 'amd64', variant: null },
  source,
  evidence: `${source} test`,
});

for (const kind of DATABASES) {
  describe(`Index and platform manifest matching on ${kind.name}`, () => {
    let db: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      db = await kind.create();
      store = await db.open();
    });
    afterEach(async () => db.destroy());

    it('a workload running an index shows the run that pushed a platform manifest and the findings of its scan', async () => {
      await store.replaceClusterSnapshot('prod', cluster(['web', INDEX]), new Date());
      await store.ingest(
        makeReport({ images: [image({ digest: ARM64, indexDigest: INDEX, os: 'linux', architecture: 'arm64' })] }),
        context,
      );
      await store.replaceScans(trivyOf(ARM64));

      const page = await store.listExposed({ minSeverity: 'high' }, { limit: 10 });
      assert.equal(page.items.length, 1, 'without the relation the index has no findings and the row is missing');
      const row = page.items[0]!;
      assert.equal(row.digest, INDEX);
      assert.deepEqual(
        row.runs.map((r) => [r.run.id, r.digest]),
        [[12, ARM64]],
        'the run that pushed the platform manifest, naming the digest it pushed',
      );
      assert.deepEqual(row.relatedDigests, [
        { digest: ARM64, relation: 'platform', platform: { os: 'linux', architecture: 'arm64', variant: null }, sources: ['report'] },
      ]);
      assert.ok(row.topFindings.length > 0);
      for (const finding of row.topFindings) {
        assert.equal(finding.digest, INDEX);
        assert.deepEqual(
          finding.occurrences.map((o) => (o as { scannedDigest?: string }).scannedDigest),
          finding.occurrences.map(() => ARM64),
          'each occurrence says the platform manifest was scanned',
        );
      }
      assert.deepEqual(
        (await store.coverage({})).map((c) => [c.images, c.mapped, c.unmapped]),
        [[1, 1, 0]],
        'the index counts as mapped',
      );
    });

    it('a workload running a platform manifest shows the run that pushed its index and the findings of the index', async () => {
      await store.replaceClusterSnapshot('prod', cluster(['web', AMD64]), new Date());
      const pushed = image({
        digest: INDEX,
        platforms: [
          { digest: AMD64, os: 'linux', architecture: 'amd64' },
          { digest: ARM64, os: 'linux', architecture: 'arm64' },
        ],
      });
      await store.ingest(makeReport({ images: [pushed] }), context);
      await store.replaceScans(trivyOf(INDEX));

      const [row, ...rest] = (await store.listExposed({ minSeverity: 'high' }, { limit: 10 })).items;
      assert.equal(rest.length, 0);
      assert.equal(row?.digest, AMD64);
      assert.deepEqual(
        row?.runs.map((r) => r.digest),
        [INDEX],
      );
      assert.deepEqual(
        row?.relatedDigests.map((r) => [r.digest, r.relation, r.sources]),
        [[INDEX, 'index', ['report']]],
      );
      assert.deepEqual(
        (await store.coverage({})).map((c) => c.mapped),
        [1],
      );
    });

    it('the detail and the by-source view of a pushed platform manifest show the workload running its index', async () => {
      await store.replaceClusterSnapshot('prod', cluster(['web', INDEX]), new Date());
      await store.ingest(
        makeReport({ images: [image({ digest: ARM64, indexDigest: INDEX, os: 'linux', architecture: 'arm64' })] }),
        context,
      );
      const usage = await store.imageUsage(ARM64);
      assert.deepEqual(
        usage.running.map((p) => [p.cluster, p.namespace, p.workloadName]),
        [['prod', 'shop', 'web']],
        'the pods run the index that lists the pushed manifest',
      );
      assert.deepEqual((await store.imageUsage(AMD64)).running, [], 'a sibling platform manifest runs nowhere');
      const page = await store.listBySource({ definitionId: 7 }, { limit: 10 }, {});
      assert.deepEqual(
        page.items.map((i) => [i.digest, i.running.map((p) => p.workloadName)]),
        [[ARM64, ['web']]],
      );
    });

    it('never matches two platform manifests of one index with each other', async () => {
      await store.replaceClusterSnapshot('prod', cluster(['web', AMD64]), new Date());
      await store.recordPlatformRelations([relation(INDEX, AMD64, 'registry'), relation(INDEX, ARM64, 'registry')]);
      await store.ingest(makeReport({ images: [image({ digest: ARM64 })] }), context);
      await store.replaceScans(trivyOf(ARM64));

      assert.deepEqual((await store.listExposed({ minSeverity: 'low' }, { limit: 10 })).items, []);
      assert.deepEqual(
        (await store.coverage({})).map((c) => c.mapped),
        [0],
      );
    });

    it('counts one scanner run once when it keyed its findings under both the index and the platform manifest (Grype)', async () => {
      await store.replaceClusterSnapshot('prod', cluster(['web', INDEX]), new Date());
      const document = loadFixture('grype-web-api.json');
      const target = (document['source'] as { target: Record<string, unknown> }).target;
      target['repoDigests'] = [`${REPOSITORY}@${INDEX}`];
      target['manifestDigest'] = ARM64;
      const parsed = parseScannerDocument(document);
      await store.replaceScans(
        parsed.scans,
        parsed.indexLinks.map((l) => ({ ...l, source: 'scan', evidence: 'grype' })),
      );

      const [row] = (await store.listExposed({ minSeverity: 'low' }, { limit: 10 })).items;
      const direct = parseScannerDocument(loadFixture('grype-web-api.json')).scans[0]!.findings.length;
      const occurrences = row?.topFindings.flatMap((f) => f.occurrences) ?? [];
      assert.ok(occurrences.length > 0 && occurrences.length <= direct, 'no occurrence twice');
      assert.ok(
        occurrences.every((o) => (o as { scannedDigest?: string }).scannedDigest === INDEX),
        "the row's own digest is preferred",
      );
      assert.deepEqual(
        row?.relatedDigests.map((r) => [r.digest, r.sources]),
        [[ARM64, ['scan']]],
      );
    });

    it('keeps a relation once per source, and every source is shown', async () => {
      await store.recordPlatformRelations([relation(INDEX, AMD64, 'registry'), relation(INDEX, AMD64, 'registry')]);
      await store.recordPlatformRelations([relation(INDEX, AMD64, 'registry'), relation(INDEX, AMD64, 'scan')]);
      const stored = await store.platformRelations([AMD64]);
      assert.deepEqual(
        stored.map((r) => [r.indexDigest, r.platformDigest, r.source]),
        [
          [INDEX, AMD64, 'registry'],
          [INDEX, AMD64, 'scan'],
        ],
      );
    });

    it('lists the running digests the registry may be asked about, once, until it has answered', async () => {
      await store.replaceClusterSnapshot('prod', cluster(['web', INDEX], ['api', AMD64], ['worker', ARM64]), new Date());
      await store.ingest(makeReport({ images: [image({ digest: AMD64 })] }), context);
      const before = await store.unexplainedDigests('prod', 0, 100);
      assert.deepEqual(before.map((d) => d.digest).sort(), [INDEX, ARM64].sort(), 'a pushed digest is explained');
      assert.deepEqual(before[0]?.repositories, [REPOSITORY]);

      await store.recordRegistryLookup({ digest: INDEX, repository: REPOSITORY, outcome: 'index', detail: null }, [
        relation(INDEX, ARM64, 'registry'),
      ]);
      assert.deepEqual(
        await store.unexplainedDigests('prod', 0, 100),
        [],
        'the index was answered; its platform manifest now has a relation',
      );

      await store.replaceClusterSnapshot('prod', cluster(['other', digestOf('other')]), new Date());
      await store.recordRegistryLookup(
        { digest: digestOf('other'), repository: REPOSITORY, outcome: 'failed', detail: 'answered 500' },
        [],
      );
      assert.deepEqual(await store.unexplainedDigests('prod', 0, 100), [], 'a recent failure is not asked again');
      assert.deepEqual(
        (await store.unexplainedDigests('prod', Date.now() + 1000, 100)).map((d) => d.digest),
        [digestOf('other')],
        'an old one is',
      );
    });
  });
}
