/**
 * The scheduled sync of `serve` (issue 10): clusters read from the Kubernetes API stand-in on sinon's fake interval
 * timers, stored in a real SQLite store, one read at a time, a failure logged without credentials and the previous
 * snapshot kept, and `stop` ending the schedule.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import type { KubernetesSyncConfig } from '../../service/src/config';
import { loadConfig } from '../../service/src/config';
import { startScheduledSync, type ScheduledSync } from '../../service/src/explorer/scheduled/scheduler';
import { createKubernetesLister } from '../../service/src/explorer/sync/kubernetesLister';
import type { ListPage, ResourceLister } from '../../service/src/explorer/sync/readCluster';
import type { Store } from '../../service/src/store/store';
import { SQLITE } from '../service/support/stores';
import { KubernetesApiStandIn, type KubernetesObject } from '../support/kubernetesApi';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'explorer', 'kubectl-list.json');
const TOKEN = 'reader-token-scheduled-7c2e';
const WRONG_TOKEN = 'wrong-token-scheduled-91ad';
const MINUTE = 60_000;

const fixtureItems = (): KubernetesObject[] => (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { items: KubernetesObject[] }).items;
const podName = (o: KubernetesObject) => (o['metadata'] as { name: string }).name;

/** A gate a lister can be held at: each list call waits until it is open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('scheduled sync inside serve', () => {
  let api: KubernetesApiStandIn;
  let objects: KubernetesObject[];
  let store: Store;
  let destroy: () => Promise<void>;
  let clock: sinon.SinonFakeTimers;
  let schedule: ScheduledSync | undefined;
  let logs: { info: string[]; warn: string[] };

  beforeEach(async () => {
    objects = fixtureItems();
    // The stand-in filters this array on every call: a test changes the cluster by changing it.
    api = await KubernetesApiStandIn.start({ objects, token: TOKEN, gatewayApi: true });
    const db = await SQLITE.create();
    store = await db.open();
    destroy = () => db.destroy();
    // Only the interval timers are fake: the HTTPS calls to the stand-in need Node's real ones.
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setInterval', 'clearInterval'] });
    logs = { info: [], warn: [] };
  });
  afterEach(async () => {
    await schedule?.stop();
    schedule = undefined;
    clock.restore();
    await api.close();
    await destroy();
  });

  function start(syncs: KubernetesSyncConfig[], openLister?: (sync: KubernetesSyncConfig) => Promise<ResourceLister & { server: string }>) {
    const kubeconfig = api.writeKubeconfig();
    schedule = startScheduledSync({
      store,
      syncs,
      openLister: openLister ?? (() => createKubernetesLister({ from: 'kubeconfig', file: kubeconfig })),
      log: { info: (m) => logs.info.push(m), warn: (m) => logs.warn.push(m) },
    });
    return schedule;
  }

  const podCalls = () => api.requests.filter((r) => r.path === '/api/v1/pods' && r.continueToken === null).length;
  const workloads = async (cluster: string) => (await store.coverage({ cluster })).reduce((n, row) => n + row.images + row.unresolved, 0);

  it('reads each cluster at once and again every interval, a deleted workload leaving the stored snapshot', async () => {
    const schedule = start([{ cluster: 'prod', intervalMinutes: 5 }]);
    await schedule.runOnce('prod');
    assert.equal(podCalls(), 1, 'the first read starts at once');
    const before = await workloads('prod');
    assert.ok(before > 0);
    assert.match(logs.info[0] ?? '', /^sync prod: 10 workloads, 3 internet-exposed, 10 images \(1 unresolved\)$/);

    objects.splice(0, objects.length, ...objects.filter((o) => !(o.kind === 'Pod' && podName(o).startsWith('web-'))));
    clock.tick(4 * MINUTE);
    assert.equal(podCalls(), 1, 'not before the interval');
    clock.tick(1 * MINUTE);
    await schedule.runOnce('prod');
    assert.equal(podCalls(), 2);
    assert.ok((await workloads('prod')) < before, 'the web pods are gone from the new snapshot');
    assert.deepEqual(logs.warn, []);
  });

  it('stores the snapshot as made by the scheduled sync of that API server, dated when its read began', async () => {
    const started = new Date().toISOString();
    await start([{ cluster: 'prod' }]).runOnce('prod');
    // The exposed rows carry the provenance: one finding on the image `web` runs makes one.
    await store.replaceScans([
      {
        digest: await anyExposedDigest(),
        imageReferences: [],
        source: { format: 'trivy', scanner: 'Trivy', scannerVersion: null, scannedAt: null },
        findings: [
          {
            vulnerabilityId: 'CVE-2026-0001',
            aliases: [],
            advisories: [],
            severity: 'high',
            packageName: 'p',
            installedVersion: '1',
            fixedVersion: null,
          },
        ],
      },
    ]);
    const [row] = (await store.listExposed({ minSeverity: 'low' }, { limit: 1 })).items;
    assert.ok(row);
    assert.equal(row.snapshotSource, 'sync');
    assert.equal(row.snapshotImportedBy, `scheduled-sync:${api.url}`);
    assert.ok(row.snapshotTakenAt >= started && row.snapshotTakenAt <= row.snapshotImportedAt, JSON.stringify(row));
  });

  /** The digest an internet-exposed workload of the fixture runs (the `web` Deployment). */
  async function anyExposedDigest(): Promise<string> {
    const snapshot = buildClusterSnapshot(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    const web = snapshot.workloads.find((w) => w.name === 'web');
    return web?.images[0]?.digest ?? '';
  }

  it('never runs two reads at once: ticks while a read is under way start no other', async () => {
    const held = gate();
    const kubeconfig = api.writeKubeconfig();
    let listCalls = 0;
    const schedule = start(
      [
        { cluster: 'prod', intervalMinutes: 5 },
        { cluster: 'staging', intervalMinutes: 5 },
      ],
      async () => {
        const real = await createKubernetesLister({ from: 'kubeconfig', file: kubeconfig });
        return {
          server: real.server,
          async listPage(resource, page): Promise<ListPage> {
            listCalls += 1;
            await held.opened;
            return real.listPage(resource, page);
          },
        };
      },
    );
    // Let the first read reach its first list call, then tick three intervals while it is held there.
    while (listCalls === 0) await new Promise((resolve) => setImmediate(resolve));
    clock.tick(15 * MINUTE);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(listCalls, 1, 'prod is held at its first call; staging waits, and no second prod read starts');
    held.open();
    await Promise.all([schedule.runOnce('prod'), schedule.runOnce('staging')]);
    assert.equal(podCalls(), 2, 'one read of each cluster, one after the other');
    assert.ok((await workloads('prod')) > 0 && (await workloads('staging')) > 0);
  });

  it('keeps the previous snapshot when a read fails, and logs why without any credential', async () => {
    let opened = 0;
    const good = api.writeKubeconfig();
    const bad = api.writeKubeconfig({ token: WRONG_TOKEN });
    const schedule = start([{ cluster: 'prod', intervalMinutes: 5 }], () =>
      createKubernetesLister({ from: 'kubeconfig', file: (opened++ === 0 ? good : bad) as string }),
    );
    await schedule.runOnce('prod');
    const stored = await store.coverage({ cluster: 'prod' });
    assert.ok(stored.length > 0);

    objects.splice(0, objects.length);
    clock.tick(5 * MINUTE);
    await schedule.runOnce('prod');
    assert.deepEqual(await store.coverage({ cluster: 'prod' }), stored, 'the failed read replaced nothing');
    assert.equal(logs.warn.length, 1);
    assert.match(
      logs.warn[0] ?? '',
      /^sync prod failed, its previous snapshot is kept; next attempt in 5 min: listing pods failed with HTTP 401/,
    );
    const everything = [...logs.info, ...logs.warn].join('\n');
    assert.ok(!everything.includes(TOKEN) && !everything.includes(WRONG_TOKEN));
  });

  it('hands each stored snapshot to the registry lookups, as an import does, and never a failed read', async () => {
    const kubeconfig = api.writeKubeconfig();
    const bad = api.writeKubeconfig({ token: WRONG_TOKEN });
    const handed: string[] = [];
    schedule = startScheduledSync({
      store,
      syncs: [{ cluster: 'prod' }, { cluster: 'broken' }],
      openLister: (sync) => createKubernetesLister({ from: 'kubeconfig', file: sync.cluster === 'broken' ? bad : kubeconfig }),
      log: { info: (m) => logs.info.push(m), warn: (m) => logs.warn.push(m) },
      afterSnapshot: (cluster) => handed.push(cluster),
    });
    await schedule.runOnce('prod');
    await schedule.runOnce('broken');
    assert.deepEqual(handed, ['prod']);
    assert.equal(logs.warn.length, 1, 'the broken cluster failed');
  });

  it('logs a cluster whose kubeconfig cannot be read and keeps serving the others', async () => {
    const kubeconfig = api.writeKubeconfig();
    const schedule = start([{ cluster: 'broken' }, { cluster: 'prod' }], (sync) =>
      createKubernetesLister({ from: 'kubeconfig', file: sync.cluster === 'broken' ? '/nonexistent/kubeconfig' : kubeconfig }),
    );
    await schedule.runOnce('broken');
    await schedule.runOnce('prod');
    assert.match(logs.warn.join('\n'), /^sync broken failed, .*nonexistent/);
    assert.ok((await workloads('prod')) > 0);
  });

  it('stops: no tick after stop reads, and a read under way stops before its next call and stores nothing', async () => {
    const held = gate();
    const kubeconfig = api.writeKubeconfig();
    let listCalls = 0;
    const schedule = start([{ cluster: 'prod', intervalMinutes: 5 }], async () => {
      const real = await createKubernetesLister({ from: 'kubeconfig', file: kubeconfig });
      return {
        server: real.server,
        async listPage(resource, page): Promise<ListPage> {
          listCalls += 1;
          await held.opened;
          return real.listPage(resource, page);
        },
      };
    });
    while (listCalls === 0) await new Promise((resolve) => setImmediate(resolve));
    const stopped = schedule.stop();
    held.open();
    await stopped;
    assert.equal(listCalls, 1, 'no list call after stop');
    assert.deepEqual(await store.coverage({}), []);
    clock.tick(60 * MINUTE);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(listCalls, 1);
    assert.deepEqual(logs.warn, [], 'stopping is not a failure');
  });

  describe('configuration', () => {
    it('is off by default', () => assert.deepEqual(loadConfig({ env: {} }).kubernetesSyncs, []));

    it('reads the clusters from CM_KUBERNETES_SYNCS', () => {
      const syncs = [
        { cluster: 'prod', kubeconfig: '/etc/cm/kubeconfig', context: 'prod', intervalMinutes: 10 },
        { cluster: 'here', inCluster: true },
      ];
      assert.deepEqual(loadConfig({ env: { CM_KUBERNETES_SYNCS: JSON.stringify(syncs) } }).kubernetesSyncs, syncs);
    });

    for (const [syncs, message] of [
      [[{ cluster: 'prod', intervalMinutes: 1 }], /kubernetesSyncs\.0\.intervalMinutes must be >= 5/],
      [[{ cluster: 'prod', inCluster: true, kubeconfig: '/k' }], /inCluster .* takes neither kubeconfig nor context/],
      [[{ cluster: 'prod' }, { cluster: 'prod' }], /kubernetesSyncs\.1\.cluster "prod" is listed twice/],
      [[{ cluster: 'prod/x' }], /kubernetesSyncs\.0\.cluster must match pattern/],
      [[{ cluster: 'prod', token: 'x' }], /must NOT have additional properties/],
    ] as const) {
      it(`refuses ${JSON.stringify(syncs)}`, () => {
        assert.throws(() => loadConfig({ env: { CM_KUBERNETES_SYNCS: JSON.stringify(syncs) } }), message);
      });
    }
  });
});
