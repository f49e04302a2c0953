import { strict as assert } from 'node:assert';
import type { ExposurePath } from '../../service/src/explorer/kubernetes/model';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { gateway, httpRoute, ingress, list, owner, pod, service } from './kubernetesItems';

type Item = Record<string, unknown>;

/** The exposure of the only workload built from `items`, as `exposure:via`. */
function exposureOf(...items: Item[]): string[] {
  const { workloads } = buildClusterSnapshot(list(...items));
  assert.equal(workloads.length, 1, 'one workload');
  return (workloads[0]?.exposure ?? []).map((p: ExposurePath) => `${p.exposure}:${p.via}`);
}

const app = pod('shop', 'app-1', { app: 'app' });
const ref = (name: string, extra: Item = {}): Item => ({ name, ...extra });

describe('exposure rules, one at a time', () => {
  const table: Array<[string, Item[], string[]]> = [
    ['a public LoadBalancer Service selects the pod', [service('shop', 'app', 'LoadBalancer', { app: 'app' })], ['internet:LoadBalancer']],
    [
      'the LoadBalancer is internal on GKE',
      [service('shop', 'app', 'LoadBalancer', { app: 'app' }, { 'networking.gke.io/load-balancer-type': 'Internal' })],
      [],
    ],
    [
      'the LoadBalancer is internal on AWS by scheme',
      [service('shop', 'app', 'LoadBalancer', { app: 'app' }, { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' })],
      [],
    ],
    ['the LoadBalancer has no selector', [service('shop', 'app', 'LoadBalancer', undefined)], []],
    ['the LoadBalancer selects other labels', [service('shop', 'app', 'LoadBalancer', { app: 'other' })], []],
    ['the LoadBalancer is in another namespace', [service('edge', 'app', 'LoadBalancer', { app: 'app' })], []],
    ['a ClusterIP Service selects the pod and nothing routes to it', [service('shop', 'app', 'ClusterIP', { app: 'app' })], []],
    ['a NodePort Service selects the pod', [service('shop', 'app', 'NodePort', { app: 'app' })], ['node:NodePort']],
    [
      'an Ingress routes to a Service that selects the pod',
      [service('shop', 'app', 'ClusterIP', { app: 'app' }), ingress('shop', 'web', 'app')],
      ['internet:Ingress'],
    ],
    ['an Ingress routes to a Service that does not exist', [ingress('shop', 'web', 'app')], []],
    [
      'an Ingress routes to a Service that selects other pods',
      [service('shop', 'app', 'ClusterIP', { app: 'other' }), ingress('shop', 'web', 'app')],
      [],
    ],
    [
      'the Ingress is in another namespace than the Service',
      [service('shop', 'app', 'ClusterIP', { app: 'app' }), ingress('edge', 'web', 'app')],
      [],
    ],
    [
      'an HTTPRoute attaches to a Gateway of its namespace (default from: Same) and routes to a selecting Service',
      [
        service('shop', 'app', 'ClusterIP', { app: 'app' }),
        gateway('shop', 'gw'),
        httpRoute('shop', 'r', [ref('gw')], [ref('app', { port: 80 })]),
      ],
      ['internet:HTTPRoute'],
    ],
    [
      'the Gateway in another namespace admits only routes from its own (from: Same)',
      [
        service('shop', 'app', 'ClusterIP', { app: 'app' }),
        gateway('infra', 'gw', 'Same'),
        httpRoute('shop', 'r', [ref('gw', { namespace: 'infra' })], [ref('app')]),
      ],
      [],
    ],
    [
      'the Gateway in another namespace admits routes from all namespaces',
      [
        service('shop', 'app', 'ClusterIP', { app: 'app' }),
        gateway('infra', 'gw', 'All'),
        httpRoute('shop', 'r', [ref('gw', { namespace: 'infra' })], [ref('app')]),
      ],
      ['internet:HTTPRoute'],
    ],
    [
      'the Gateway in another namespace admits routes by namespace selector (taken as admitting: no Namespace labels in the List)',
      [
        service('shop', 'app', 'ClusterIP', { app: 'app' }),
        gateway('infra', 'gw', 'Selector'),
        httpRoute('shop', 'r', [ref('gw', { namespace: 'infra' })], [ref('app')]),
      ],
      ['internet:HTTPRoute'],
    ],
    [
      'the HTTPRoute names a Gateway that is not in the List',
      [service('shop', 'app', 'ClusterIP', { app: 'app' }), httpRoute('shop', 'r', [ref('gw')], [ref('app')])],
      [],
    ],
    [
      'the HTTPRoute names a listener the Gateway does not have',
      [
        service('shop', 'app', 'ClusterIP', { app: 'app' }),
        gateway('shop', 'gw'),
        httpRoute('shop', 'r', [ref('gw', { sectionName: 'https' })], [ref('app')]),
      ],
      [],
    ],
    [
      'the HTTPRoute parent is a Service (mesh), not a Gateway',
      [
        service('shop', 'app', 'ClusterIP', { app: 'app' }),
        gateway('shop', 'gw'),
        httpRoute('shop', 'r', [ref('gw', { group: '', kind: 'Service' })], [ref('app')]),
      ],
      [],
    ],
    [
      'the HTTPRoute backend is not a Service',
      [
        service('shop', 'app', 'ClusterIP', { app: 'app' }),
        gateway('shop', 'gw'),
        httpRoute('shop', 'r', [ref('gw')], [ref('app', { group: 'example.io', kind: 'Bucket' })]),
      ],
      [],
    ],
    [
      'the HTTPRoute backend Service is in another namespace than the pod',
      [service('shop', 'app', 'ClusterIP', { app: 'app' }), gateway('edge', 'gw'), httpRoute('edge', 'r', [ref('gw')], [ref('app')])],
      [],
    ],
    ['no Service at all', [], []],
  ];
  for (const [why, items, expected] of table) {
    it(`gives ${expected.length === 0 ? 'no exposure' : expected.join(', ')} when ${why}`, () => {
      assert.deepEqual(exposureOf(app, ...items), expected);
    });
  }

  it('gives a hostNetwork pod and a hostPort container node exposures only', () => {
    const host = pod(
      'shop',
      'app-1',
      { app: 'app' },
      { spec: { hostNetwork: true, containers: [{ name: 'app', image: 'a', ports: [{ containerPort: 80, hostPort: 8080 }] }] } },
    );
    assert.deepEqual(exposureOf(host), ['node:hostNetwork', 'node:hostPort']);
  });

  it('matches each Service by its whole selector, in any key order, however many Services share a label', () => {
    // The snapshot looks Services up by one pair of their selector (snapshot.ts, exposerIndex): the others must still count.
    const tiered = pod('shop', 'app-1', { app: 'app', tier: 'web', track: 'stable' });
    const paths = (...items: Item[]) => {
      const { workloads } = buildClusterSnapshot(list(tiered, ...items));
      return (workloads[0]?.exposure ?? []).map((p) => `${p.via}:${'service' in p ? p.service : ''}`);
    };
    assert.deepEqual(
      paths(
        service('shop', 'public', 'LoadBalancer', { tier: 'web', app: 'app' }),
        service('shop', 'node', 'NodePort', { app: 'app' }),
        service('shop', 'canary', 'LoadBalancer', { app: 'app', track: 'canary' }),
        service('shop', 'db', 'NodePort', { app: 'app', tier: 'db' }),
        service('edge', 'elsewhere', 'LoadBalancer', { app: 'app' }),
        service('shop', 'empty', 'LoadBalancer', {}),
      ),
      ['LoadBalancer:public', 'NodePort:node'],
    );
  });

  it('gives a pod that is not Running nothing, though a public load balancer selects it', () => {
    const { workloads } = buildClusterSnapshot(
      list(pod('shop', 'app-1', { app: 'app' }, { phase: 'Succeeded' }), service('shop', 'app', 'LoadBalancer', { app: 'app' })),
    );
    assert.deepEqual(workloads, []);
  });
});

describe('top owners', () => {
  const rs: [string, string, string] = ['apps/v1', 'ReplicaSet', 'web-5d4c'];
  const table: Array<[string, Item[], string]> = [
    [
      'a ReplicaSet owned by a Deployment',
      [
        pod('shop', 'p', {}, { owner: rs }),
        owner('apps/v1', 'ReplicaSet', 'shop', 'web-5d4c', ['apps/v1', 'Deployment', 'web']),
        owner('apps/v1', 'Deployment', 'shop', 'web'),
      ],
      'Deployment/web',
    ],
    [
      'a ReplicaSet whose Deployment is not listed',
      [pod('shop', 'p', {}, { owner: rs }), owner('apps/v1', 'ReplicaSet', 'shop', 'web-5d4c', ['apps/v1', 'Deployment', 'web'])],
      'Deployment/web',
    ],
    [
      'a ReplicaSet with no owner',
      [pod('shop', 'p', {}, { owner: rs }), owner('apps/v1', 'ReplicaSet', 'shop', 'web-5d4c')],
      'ReplicaSet/web-5d4c',
    ],
    [
      'a ReplicaSet in another namespace of the same name',
      [pod('shop', 'p', {}, { owner: rs }), owner('apps/v1', 'ReplicaSet', 'edge', 'web-5d4c', ['apps/v1', 'Deployment', 'web'])],
      'ReplicaSet/web-5d4c',
    ],
    [
      'a Job owned by a CronJob',
      [
        pod('shop', 'p', {}, { owner: ['batch/v1', 'Job', 'nightly-1'] }),
        owner('batch/v1', 'Job', 'shop', 'nightly-1', ['batch/v1', 'CronJob', 'nightly']),
      ],
      'CronJob/nightly',
    ],
    [
      'a Job on its own',
      [pod('shop', 'p', {}, { owner: ['batch/v1', 'Job', 'once'] }), owner('batch/v1', 'Job', 'shop', 'once')],
      'Job/once',
    ],
    ['a StatefulSet', [pod('shop', 'db-0', {}, { owner: ['apps/v1', 'StatefulSet', 'db'] })], 'StatefulSet/db'],
    ['a Node (a static pod mirror)', [pod('kube-system', 'etcd-node1', {}, { owner: ['v1', 'Node', 'node1'] })], 'Pod/etcd-node1'],
    ['nothing', [pod('shop', 'debug', {})], 'Pod/debug'],
  ];
  for (const [why, items, expected] of table) {
    it(`names ${expected} the workload of a pod controlled by ${why}`, () => {
      const { workloads } = buildClusterSnapshot(list(...items));
      assert.deepEqual(
        workloads.map((w) => `${w.kind}/${w.name}`),
        [expected],
      );
    });
  }

  it('stops at a cycle of owners instead of looping', () => {
    const items = [
      pod('shop', 'p', {}, { owner: ['apps/v1', 'ReplicaSet', 'a'] }),
      owner('apps/v1', 'ReplicaSet', 'shop', 'a', ['apps/v1', 'ReplicaSet', 'b']),
      owner('apps/v1', 'ReplicaSet', 'shop', 'b', ['apps/v1', 'ReplicaSet', 'a']),
    ];
    assert.equal(buildClusterSnapshot(list(...items)).workloads.length, 1);
  });
});
