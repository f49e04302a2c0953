/**
 * Index vs platform manifest matching with a real index in the real local registry (issue 10). Two tiny
 * `FROM scratch` images are pushed to 127.0.0.1:5000, and `docker manifest create` / `annotate` / `push`
 * makes an index of them (linux/amd64 and linux/arm64); its digest is the registry's `Docker-Content-Digest`.
 * Then, through the whole app on SQLite and PostgreSQL:
 * - a report naming the arm64 manifest (with `indexDigest`), a snapshot running the index and a Trivy scan of
 *   the arm64 manifest: `GET /api/v1/exposed` shows the run and the findings on the workload's row;
 * - with the registry configured and no report: the import's background lookup reads the index from the
 *   registry and records the relation by itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { ExposedPage } from '../../service/src/store/explorer';
import { buildScratchImage, docker, pushImage, registryDigest, removeImages, uniqueRepository } from '../support/docker';
import { REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { INGEST_TOKEN, READ_TOKEN, startTestService, type TestService } from '../service/support/app';
import { image, makeReport } from '../service/support/reports';
import { DATABASES } from '../service/support/stores';
import { list, pod, service } from './kubernetesItems';
import { WEB_API } from './vulnerabilityFixtures';

const INVENTORY_TOKEN = 'cmt_test-inventory-token-0123456789';
const TRIVY = readFileSync(join(__dirname, '..', 'fixtures', 'explorer', 'trivy-web-api.json'), 'utf8');

/** A real index in the local registry and its two platform manifests. */
interface RealIndex {
  repository: string;
  index: string;
  amd64: string;
  arm64: string;
}

async function pushIndex(): Promise<RealIndex> {
  const repository = uniqueRepository('index');
  const name = `${REGISTRY}/${repository}`;
  await buildScratchImage(`${name}:amd64`, `amd64 ${repository}`);
  await buildScratchImage(`${name}:arm64`, `arm64 ${repository}`);
  try {
    await pushImage(`${name}:amd64`);
    await pushImage(`${name}:arm64`);
    // Docker 20.10's engine cannot push an index; the CLI's manifest commands build one from pushed manifests.
    const cli = { DOCKER_CLI_EXPERIMENTAL: 'enabled' };
    await docker(['manifest', 'create', '--insecure', `${name}:multi`, `${name}:amd64`, `${name}:arm64`], cli);
    await docker(['manifest', 'annotate', '--os', 'linux', '--arch', 'arm64', `${name}:multi`, `${name}:arm64`], cli);
    await docker(['manifest', 'push', '--insecure', '--purge', `${name}:multi`], cli);
  } finally {
    await removeImages([`${name}:amd64`, `${name}:arm64`]);
  }
  return {
    repository,
    index: await registryDigest(REGISTRY, repository, 'multi'),
    amd64: await registryDigest(REGISTRY, repository, 'amd64'),
    arm64: await registryDigest(REGISTRY, repository, 'arm64'),
  };
}

/** A cluster whose one internet-exposed pod runs `digest` of the repository. */
function clusterRunning(repository: string, digest: string): string {
  return JSON.stringify(
    list(
      pod('shop', 'web', { app: 'web' }, { imageID: `${REGISTRY}/${repository}@${digest}` }),
      service('shop', 'web-lb', 'LoadBalancer', { app: 'web' }),
    ),
  );
}

describe('Index vs platform manifests with a real index in the local registry', function () {
  let real: RealIndex;

  before(async function () {
    this.timeout(180_000);
    await requireDocker();
    await requireRegistry();
    real = await pushIndex();
  });

  it('the registry holds an index of two different platform manifests', () => {
    assert.equal(new Set([real.index, real.amd64, real.arm64]).size, 3);
  });

  for (const kind of DATABASES) {
    describe(`on ${kind.name}`, () => {
      let svc: TestService;

      afterEach(async () => svc.close());

      const start = async (registries: Array<{ host: string }>) => {
        svc = await startTestService(kind, {
          registries,
          tokens: [
            { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
            { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
            { name: 'explorer', sha256: hashToken(INVENTORY_TOKEN), scopes: ['inventory'] },
          ],
        });
      };
      const post = async (url: string, payload: string) => {
        const response = await svc.app.inject({
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${INVENTORY_TOKEN}`, 'content-type': 'application/json' },
          payload,
        });
        assert.equal(response.statusCode, 201, response.body);
      };
      const scanOf = (digest: string) => post('/api/v1/scans', TRIVY.replaceAll(`demo/web-api@${WEB_API}`, `${real.repository}@${digest}`));
      const exposed = async (): Promise<ExposedPage> => {
        const response = await svc.read('/api/v1/exposed?minSeverity=high');
        assert.equal(response.statusCode, 200, response.body);
        return response.json<ExposedPage>();
      };

      it('a report naming the arm64 manifest, a snapshot running the index and a scan of arm64: the row shows the run and the findings', async () => {
        await start([]);
        const report = makeReport({
          images: [
            image({
              digest: real.arm64,
              registry: REGISTRY,
              repository: real.repository,
              tag: 'arm64',
              indexDigest: real.index,
              os: 'linux',
              architecture: 'arm64',
            }),
          ],
        });
        const sent = await svc.send(report);
        assert.equal(sent.statusCode, 201, sent.body);
        await post('/api/v1/clusters/prod/snapshot', clusterRunning(real.repository, real.index));
        await scanOf(real.arm64);

        const [row, ...more] = (await exposed()).items;
        assert.equal(more.length, 0);
        assert.equal(row?.digest, real.index);
        assert.deepEqual(
          row?.runs.map((r) => [r.run.id, r.digest]),
          [[12, real.arm64]],
        );
        assert.ok((row?.counts.critical ?? 0) + (row?.counts.high ?? 0) > 0, 'the findings of the arm64 scan count');
        assert.deepEqual(
          row?.relatedDigests.map((r) => [r.digest, r.relation, r.sources]),
          [[real.arm64, 'platform', ['report']]],
        );
        assert.equal(svc.app.registryLookup, null, 'no registry configured: none is ever asked');
      });

      it('with the registry configured, the import asks it about the unexplained index and records its platforms by itself', async () => {
        await start([{ host: REGISTRY }]);
        await scanOf(real.arm64);
        await post('/api/v1/clusters/prod/snapshot', clusterRunning(real.repository, real.index));
        await svc.app.registryLookup?.idle();

        const relations = await svc.app.store.platformRelations([real.index]);
        assert.deepEqual(
          relations.map((r) => [r.platformDigest, r.platform?.os, r.platform?.architecture, r.source, r.evidence]).sort(),
          [
            [real.amd64, 'linux', 'amd64', 'registry', `registry ${REGISTRY}/${real.repository}`],
            [real.arm64, 'linux', 'arm64', 'registry', `registry ${REGISTRY}/${real.repository}`],
          ].sort(),
        );
        const [row] = (await exposed()).items;
        assert.equal(row?.digest, real.index);
        assert.ok(row.topFindings.every((f) => f.occurrences.every((o) => (o as { scannedDigest?: string }).scannedDigest === real.arm64)));
        assert.deepEqual(row.runs, [], 'unmapped: no report named any of them');

        // A push of the amd64 manifest now maps the index.
        const sent = await svc.send(
          makeReport({ images: [image({ digest: real.amd64, registry: REGISTRY, repository: real.repository, tag: 'amd64' })] }),
        );
        assert.equal(sent.statusCode, 201, sent.body);
        const coverage = await svc.read('/api/v1/coverage');
        assert.match(coverage.body, /"mapped":1/);
      });

      it('records a single-platform manifest and a digest the registry does not know, and asks about neither again', async () => {
        await start([{ host: REGISTRY }]);
        const unknown = `sha256:${'0'.repeat(64)}`;
        const cluster = JSON.parse(clusterRunning(real.repository, real.amd64)) as { items: unknown[] };
        cluster.items.push(pod('shop', 'gone', { app: 'gone' }, { imageID: `${REGISTRY}/${real.repository}@${unknown}` }));
        await post('/api/v1/clusters/prod/snapshot', JSON.stringify(cluster));
        const first = await svc.app.registryLookup?.afterSnapshot('prod');
        await svc.app.registryLookup?.idle();
        // The route's own round ran first and answered both; this one found nothing left to ask.
        assert.deepEqual(first, { asked: 0, indexes: 0, manifests: 0, failed: 0, notConfigured: 0 });
        assert.deepEqual(await svc.app.store.unexplainedDigests('prod', 0, 10), []);
        assert.deepEqual(await svc.app.store.platformRelations([real.amd64, unknown]), []);
        assert.deepEqual(
          (await svc.app.store.unexplainedDigests('prod', Date.now() + 1, 10)).map((d) => d.digest),
          [unknown],
          'the failure is asked again later',
        );
      });
    });
  }
});
