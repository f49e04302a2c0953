import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../service/src/cli/main';
import type { CommandIo } from '../../service/src/cli/command';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { ClusterReadError } from '../../service/src/explorer/sync/errors';
import { createKubernetesLister } from '../../service/src/explorer/sync/kubernetesLister';
import { CONTINUE_RESTARTS, readCluster } from '../../service/src/explorer/sync/readCluster';
import { stripItem } from '../../service/src/explorer/sync/strip';
import { KubernetesApiStandIn, type KubernetesApiOptions, type KubernetesObject } from '../support/kubernetesApi';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'explorer', 'kubectl-list.json');
const TOKEN = 'reader-token-5f1c';

function fixture(): { items: KubernetesObject[] } {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as { items: KubernetesObject[] };
}

/** `apiVersion kind` of each item, sorted: what a List holds, regardless of order. */
function typeMetas(items: readonly Record<string, unknown>[]): string[] {
  return items.map((item) => `${String(item['apiVersion'])} ${String(item['kind'])}`).sort();
}

const SECRET = 'SECRET-4b1d-never-written';

/**
 * The fixture with every place a real cluster keeps values the snapshot does not need, each holding {@link SECRET}:
 * env values and references, envFrom, command and args, probe headers, the last-applied-configuration annotation,
 * managedFields, a termination message, an HTTPRoute filter's header value, a CronJob's pod template.
 */
function leakyFixture(): { items: KubernetesObject[] } {
  const container = (c: Record<string, unknown>) => ({
    ...c,
    env: [
      { name: 'PASSWORD', value: SECRET },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: SECRET, key: 'token' } } },
    ],
    envFrom: [{ secretRef: { name: SECRET } }],
    command: ['/app', `--password=${SECRET}`],
    args: [SECRET],
    livenessProbe: { httpGet: { path: '/healthz', port: 8080, httpHeaders: [{ name: 'Authorization', value: SECRET }] } },
  });
  const podSpec = (spec: Record<string, unknown>) => ({
    ...spec,
    containers: (spec['containers'] as Record<string, unknown>[]).map(container),
    volumes: [{ name: 'creds', csi: { driver: 'x', volumeAttributes: { key: SECRET } } }],
  });
  const items = fixture().items.map((item) => {
    // The copy is edited in place at paths of several shapes (pod specs, templates, routes): typed loosely on purpose.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const copy = JSON.parse(JSON.stringify(item)) as KubernetesObject & { metadata: Record<string, unknown>; spec?: any; status?: any };
    copy.metadata.annotations = {
      ...(copy.metadata.annotations as Record<string, string> | undefined),
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ env: [{ name: 'PASSWORD', value: SECRET }] }),
    };
    copy.metadata.managedFields = [{ manager: 'kubectl', fieldsV1: { [`f:${SECRET}`]: {} } }];
    if (copy.kind === 'Pod') {
      copy.spec = podSpec(copy.spec);
      for (const status of copy.status?.containerStatuses ?? []) status.lastState = { terminated: { message: SECRET } };
    }
    if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(copy.kind) && copy.spec?.template?.spec) {
      copy.spec.template.spec = podSpec(copy.spec.template.spec);
    }
    if (copy.kind === 'CronJob' && copy.spec?.jobTemplate?.spec?.template?.spec) {
      copy.spec.jobTemplate.spec.template.spec = podSpec(copy.spec.jobTemplate.spec.template.spec);
    }
    if (copy.kind === 'HTTPRoute') {
      for (const rule of copy.spec.rules) {
        rule.filters = [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'Authorization', value: SECRET }] } }];
      }
    }
    return copy;
  });
  return { ...fixture(), items };
}

function captureIo(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (line) => lines.push(line), err: (line) => errors.push(line), env: {} };
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe('sync kubernetes against the Kubernetes API stand-in', () => {
  let api: KubernetesApiStandIn | undefined;

  async function start(options: Partial<KubernetesApiOptions> = {}): Promise<KubernetesApiStandIn> {
    api = await KubernetesApiStandIn.start({ objects: fixture().items, token: TOKEN, gatewayApi: true, ...options });
    return api;
  }

  async function read(standIn: KubernetesApiStandIn, pageSize = 500) {
    const lister = await createKubernetesLister({ from: 'kubeconfig', file: standIn.writeKubeconfig() });
    return readCluster(lister, pageSize);
  }

  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('follows continue tokens page by page with the limit it was given until the last page', async () => {
    const standIn = await start();
    const { list } = await read(standIn, 2);

    const pods = standIn.requests.filter((r) => r.path === '/api/v1/pods');
    assert.equal(pods.length, 7, '13 pods in pages of 2');
    assert.ok(pods.every((r) => r.limit === 2));
    assert.equal(pods[0]?.continueToken, null);
    assert.ok(pods.slice(1).every((r) => typeof r.continueToken === 'string' && r.continueToken !== ''));
    assert.equal(new Set(pods.map((r) => r.continueToken)).size, 7, 'each page asked with the previous page’s token');
    assert.equal(list.items.filter((i) => i['kind'] === 'Pod').length, 13);
  });

  it('sets kind and apiVersion on every item, which the typed lists leave off, so the List holds what kubectl prints', async () => {
    const standIn = await start();
    const { list } = await read(standIn, 3);

    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.kind, 'List');
    assert.deepEqual(typeMetas(list.items), typeMetas(fixture().items));
  });

  it('sends the kubeconfig’s bearer token on every list call', async () => {
    const standIn = await start();
    await read(standIn);

    assert.equal(standIn.requests.length, 11, 'one call per resource');
    assert.ok(standIn.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
  });

  it('starts a resource’s listing again from its first page when its continue token has expired (410), listing each item once', async () => {
    const standIn = await start({ expiredContinues: { pods: 2 } });
    const { list } = await read(standIn, 5);

    const pods = standIn.requests.filter((r) => r.path === '/api/v1/pods');
    // 13 pods in pages of 5: first page, expired, first page again, expired, then the three pages.
    assert.deepEqual(
      pods.map((r) => r.continueToken === null),
      [true, false, true, false, true, false, false],
    );
    const names = list.items.filter((i) => i['kind'] === 'Pod').map((i) => (i['metadata'] as { name: string }).name);
    assert.equal(names.length, 13);
    assert.equal(new Set(names).size, 13, 'the pages read before the 410 are not kept twice');
    assert.deepEqual(buildClusterSnapshot(list), buildClusterSnapshot(fixture()));
  });

  it('fails naming the resource when its continue token keeps expiring, after a bounded number of restarts', async () => {
    const standIn = await start({ expiredContinues: { replicasets: 100 } });

    await assert.rejects(read(standIn, 2), (err: unknown) => {
      assert.ok(err instanceof ClusterReadError);
      assert.equal(err.status, 410);
      assert.equal(err.resource, 'replicasets.apps');
      assert.match(err.message, /continue token expired \(410\) 4 times, the listing was started again 3 times/);
      assert.match(err.message, /too old to display a consistent list result/);
      return true;
    });
    const firstPages = standIn.requests.filter((r) => r.path === '/apis/apps/v1/replicasets' && r.continueToken === null);
    assert.equal(firstPages.length, CONTINUE_RESTARTS + 1);
  });

  it('keeps of each object only what the snapshot reads: the stripped fixture gives the same snapshot', () => {
    const whole = leakyFixture();
    const stripped = { ...whole, items: whole.items.map(stripItem) };

    assert.deepEqual(buildClusterSnapshot(stripped), buildClusterSnapshot(whole));
    assert.deepEqual(buildClusterSnapshot(stripped), buildClusterSnapshot(fixture()));
    assert.ok(!JSON.stringify(stripped).includes(SECRET));
    const admin = stripped.items.find((i) => i.kind === 'Service' && (i['metadata'] as { name: string }).name === 'admin');
    assert.deepEqual((admin?.['metadata'] as { annotations?: unknown }).annotations, {
      'service.beta.kubernetes.io/azure-load-balancer-internal': 'true',
    });
  });

  it('refuses with an error naming the resource when the token is rejected (401)', async () => {
    const standIn = await start();
    const lister = await createKubernetesLister({ from: 'kubeconfig', file: standIn.writeKubeconfig({ token: 'wrong' }) });

    await assert.rejects(readCluster(lister), (err: unknown) => {
      assert.ok(err instanceof ClusterReadError);
      assert.equal(err.status, 401);
      assert.equal(err.resource, 'pods');
      assert.equal(err.message, 'listing pods failed with HTTP 401: the credentials were not accepted (401 Unauthorized)');
      return true;
    });
  });

  it('abandons a list call that gets no answer within the request timeout and fails naming the resource and the limit', async () => {
    // The API server accepts the deployments list call and never answers; without a limit the read would wait forever.
    const standIn = await start({ silent: ['deployments'] });
    const lister = await createKubernetesLister({ from: 'kubeconfig', file: standIn.writeKubeconfig() }, { requestTimeoutSeconds: 1 });

    await assert.rejects(readCluster(lister), (err: unknown) => {
      assert.ok(err instanceof ClusterReadError, String(err));
      assert.equal(err.resource, 'deployments.apps');
      assert.equal(err.status, null);
      assert.match(err.message, /^listing deployments\.apps failed: no answer within 1 s \(the request timeout\)/);
      return true;
    });
    assert.ok(
      standIn.requests.some((r) => r.path === '/apis/apps/v1/deployments'),
      'the call was made, and the resources before it were read',
    );
  });

  it('takes a 404 from the Gateway API as not installed and still reads everything else', async () => {
    const standIn = await start({ gatewayApi: false });
    const { list, notInstalled } = await read(standIn);

    assert.deepEqual(notInstalled, ['gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io']);
    assert.ok(!list.items.some((i) => String(i['apiVersion']).startsWith('gateway.networking.k8s.io/')));
    const withoutGatewayApi = fixture().items.filter((i) => !i.apiVersion.startsWith('gateway.networking.k8s.io/'));
    assert.deepEqual(typeMetas(list.items), typeMetas(withoutGatewayApi));
  });

  it('reads gateways and httproutes through the custom objects API when the cluster serves them', async () => {
    const standIn = await start({ gatewayApi: true });
    const { list, notInstalled } = await read(standIn);

    assert.deepEqual(notInstalled, []);
    const gatewayKinds = list.items.filter((i) => i['apiVersion'] === 'gateway.networking.k8s.io/v1').map((i) => i['kind']);
    assert.deepEqual(gatewayKinds.sort(), ['Gateway', 'HTTPRoute']);
    const exposedThroughRoutes = buildClusterSnapshot(list).workloads.filter((w) => w.exposure.some((p) => p.via === 'HTTPRoute'));
    assert.ok(exposedThroughRoutes.length > 0, 'the route exposes a workload');
  });

  it('fails on 403 with an error naming the forbidden resource and the RBAC rule to grant', async () => {
    const standIn = await start({ forbidden: ['deployments'] });

    await assert.rejects(read(standIn), (err: unknown) => {
      assert.ok(err instanceof ClusterReadError);
      assert.equal(err.status, 403);
      assert.equal(err.resource, 'deployments.apps');
      assert.match(err.message, /not allowed to list deployments\.apps .*get and list on deployments\.apps/);
      assert.match(err.message, /cannot list resource "deployments" in API group "apps"/);
      return true;
    });
  });

  it('reads the cluster with the pod’s service account token and CA when run inside the cluster', async () => {
    const standIn = await start();
    const root = await mkdtemp(path.join(tmpdir(), 'cm-pod-'));
    // loadFromCluster reads the kubelet's variables from process.env itself: set them for this test only.
    const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
    try {
      Object.assign(process.env, standIn.writeServiceAccount(root));
      const lister = await createKubernetesLister({ from: 'in-cluster', root });
      const { list } = await readCluster(lister);

      assert.deepEqual(typeMetas(list.items), typeMetas(fixture().items));
      assert.equal(standIn.requests.length, 11);
      assert.ok(standIn.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
    } finally {
      restore('KUBERNETES_SERVICE_HOST', saved.host);
      restore('KUBERNETES_SERVICE_PORT', saved.port);
      await rm(root, { recursive: true, force: true });
    }
  });

  describe('the command', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'cm-sync-'));
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes a List that buildClusterSnapshot reads into the same workloads as kubectl’s, and summarises it on stderr', async () => {
      const standIn = await start();
      const output = path.join(dir, 'cluster.json');
      const io = captureIo();

      const code = await main(
        ['sync', 'kubernetes', '--kubeconfig', standIn.writeKubeconfig(), '--cluster', 'prod-weu', '--output', output, '--page-size', '4'],
        io,
      );

      assert.equal(code, 0, io.errors.join('\n'));
      const written: unknown = JSON.parse(await readFile(output, 'utf8'));
      const live = buildClusterSnapshot(written);
      const kubectl = buildClusterSnapshot(fixture());
      assert.deepEqual(live, kubectl);
      const exposed = kubectl.workloads.filter((w) => w.exposure.some((p) => p.exposure === 'internet')).length;
      const unresolved = kubectl.workloads.flatMap((w) => w.images).filter((i) => !i.resolved).length;
      assert.deepEqual(io.errors, [
        `cluster prod-weu (${standIn.url}): ${kubectl.workloads.length} workloads, ${exposed} internet-exposed, ` +
          `${unresolved} unresolved image${unresolved === 1 ? '' : 's'}`,
      ]);
      assert.deepEqual(io.lines, []);
    });

    it('writes no env value, command, probe header or annotation the snapshot does not read, and the same snapshot', async () => {
      const leaky = leakyFixture();
      const standIn = await start({ objects: leaky.items });
      const output = path.join(dir, 'cluster.json');
      const io = captureIo();

      const code = await main(['sync', 'kubernetes', '--kubeconfig', standIn.writeKubeconfig(), '--cluster', 'c', '--output', output], io);

      assert.equal(code, 0, io.errors.join('\n'));
      const text = await readFile(output, 'utf8');
      assert.ok(text.includes('"DATABASE_PASSWORD"') === false && !text.includes('hunter2'), 'no env entry of the fixture');
      assert.ok(!text.includes(SECRET), 'no value of the leaky fixture');
      assert.ok(!text.includes('last-applied-configuration') && !text.includes('managedFields'));
      assert.deepEqual(buildClusterSnapshot(JSON.parse(text)), buildClusterSnapshot(leaky));
    });

    it('writes the List to stdout for --output - and names the absent Gateway API in the summary', async () => {
      const standIn = await start({ gatewayApi: false });
      const io = captureIo();

      const code = await main(['sync', 'kubernetes', '--kubeconfig', standIn.writeKubeconfig(), '--cluster', 'c', '--output', '-'], io);

      assert.equal(code, 0, io.errors.join('\n'));
      const written = JSON.parse(io.lines.join('\n')) as { kind: string; items: unknown[] };
      assert.equal(written.kind, 'List');
      assert.match(
        io.errors[0] ?? '',
        /; not installed: gateways\.gateway\.networking\.k8s\.io, httproutes\.gateway\.networking\.k8s\.io$/,
      );
    });

    it('reads the cluster of the context --context names, not the current one', async () => {
      const standIn = await start();
      const kubeconfig = standIn.writeKubeconfig({ current: 'elsewhere' });
      const io = captureIo();

      const code = await main(
        ['sync', 'kubernetes', '--kubeconfig', kubeconfig, '--context', 'stand-in', '--cluster', 'c', '--output', '-'],
        io,
      );

      assert.equal(code, 0, io.errors.join('\n'));
      assert.equal(standIn.requests.length, 11);
    });

    it('exits 1 naming the first resource and the connection error when the API server does not answer', async () => {
      const standIn = await start();
      const io = captureIo();

      const code = await main(
        ['sync', 'kubernetes', '--kubeconfig', standIn.writeKubeconfig({ current: 'elsewhere' }), '--cluster', 'c', '--output', '-'],
        io,
      );

      assert.equal(code, 1);
      assert.match(io.errors.join('\n'), /^container-mapping sync: listing pods failed: .*ECONNREFUSED/);
      assert.deepEqual(io.lines, []);
    });

    it('exits 1 naming the contexts it has when --context is not in the kubeconfig', async () => {
      const standIn = await start();
      const io = captureIo();

      const code = await main(
        ['sync', 'kubernetes', '--kubeconfig', standIn.writeKubeconfig(), '--context', 'staging', '--cluster', 'c', '--output', '-'],
        io,
      );

      assert.equal(code, 1);
      assert.match(io.errors.join('\n'), /no context "staging" \(it has: stand-in, elsewhere\)/);
      assert.equal(standIn.requests.length, 0);
    });

    it('exits 1 with the RBAC message and writes nothing when a resource is forbidden', async () => {
      const standIn = await start({ forbidden: ['pods'] });
      const output = path.join(dir, 'cluster.json');
      const io = captureIo();

      const code = await main(['sync', 'kubernetes', '--kubeconfig', standIn.writeKubeconfig(), '--cluster', 'c', '--output', output], io);

      assert.equal(code, 1);
      assert.match(io.errors.join('\n'), /container-mapping sync: not allowed to list pods across all namespaces \(403\)/);
      await assert.rejects(readFile(output), { code: 'ENOENT' });
    });

    for (const [args, message] of [
      [['kubernetes', '--output', '-'], /--cluster is required/],
      [['kubernetes', '--cluster', 'c'], /--output FILE\|- \(write the List\) or --url \/ CM_URL \(send it to the service\) is required/],
      [['kubernetes', '--cluster', 'c', '--output', '-', '--url', 'http://127.0.0.1:1'], /give one or the other/],
      [['docker', '--cluster', 'c', '--output', '-'], /expected the source "kubernetes"/],
      [
        ['kubernetes', '--cluster', 'c', '--output', '-', '--in-cluster', '--context', 'x'],
        /--in-cluster .* neither --kubeconfig nor --context/,
      ],
      [['kubernetes', '--cluster', 'c', '--output', '-', '--page-size', '0'], /--page-size "0" is not a positive integer/],
      [
        ['kubernetes', '--cluster', 'c', '--output', '-', '--request-timeout', '0'],
        /--request-timeout "0" is not a whole number of seconds/,
      ],
      [['kubernetes', '--cluster', 'c', '--output', '-', '--request-timeout', '1.5'], /--request-timeout "1\.5" is not a whole number/],
    ] as const) {
      it(`exits 2 with the usage for: sync ${args.join(' ')}`, async () => {
        const io = captureIo();
        const code = await main(['sync', ...args], io);
        assert.equal(code, 2);
        assert.match(io.errors.join('\n'), message);
        assert.match(io.errors.join('\n'), /usage: container-mapping sync kubernetes/);
      });
    }
  });
});
