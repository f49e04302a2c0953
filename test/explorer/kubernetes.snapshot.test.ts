import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isInternetExposed, type Workload } from '../../service/src/explorer/kubernetes/model';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'explorer', 'kubectl-list.json');

function snapshot() {
  return buildClusterSnapshot(JSON.parse(readFileSync(FIXTURE, 'utf8')));
}

function find(namespace: string, kind: string, name: string): Workload | undefined {
  return snapshot().workloads.find((w) => w.namespace === namespace && w.kind === kind && w.name === name);
}

/** `via:service-or-detail` of each path, sorted: enough to tell which rule exposed the workload. */
function paths(workload: Workload | undefined): string[] {
  assert.ok(workload, 'the workload is in the snapshot');
  return workload.exposure
    .map((p) => {
      switch (p.via) {
        case 'LoadBalancer':
        case 'NodePort':
          return `${p.exposure}:${p.via}:${p.service}`;
        case 'Ingress':
          return `${p.exposure}:Ingress:${p.ingress}:${p.service}:${p.host ?? '*'}${p.path ?? '(default)'}`;
        case 'HTTPRoute':
          return `${p.exposure}:HTTPRoute:${p.gateway.namespace}/${p.gateway.name}:${p.route.namespace}/${p.route.name}:${p.service}:${p.hostnames.join(',')}${p.paths.join(',')}`;
        case 'hostPort':
          return `${p.exposure}:hostPort:${p.container}:${p.hostPorts.join(',')}`;
        case 'hostNetwork':
          return `${p.exposure}:hostNetwork`;
      }
    })
    .sort();
}

describe('buildClusterSnapshot on a kubectl List', () => {
  it('makes one workload per top owner of a Running pod, and none for a finished Job or a Pending pod', () => {
    assert.deepEqual(
      snapshot().workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`),
      [
        'kube-system/DaemonSet/node-agent',
        'shop/CronJob/cleanup',
        'shop/Deployment/admin',
        'shop/Deployment/api',
        'shop/Deployment/catalog',
        'shop/Deployment/legacy',
        'shop/Deployment/storefront',
        'shop/Deployment/web',
        'shop/Pod/debug',
        'shop/StatefulSet/db',
      ],
    );
  });

  const exposures: Array<[string, string, string, string[]]> = [
    [
      'a LoadBalancer Service, an Ingress rule and the Ingress default backend all reach it (one workload, every path)',
      'Deployment',
      'web',
      ['internet:Ingress:shop:web:*(default)', 'internet:Ingress:shop:web:shop.contoso.com/', 'internet:LoadBalancer:web'],
    ],
    [
      'an Ingress rule routes to a ClusterIP Service that selects it',
      'Deployment',
      'api',
      ['internet:Ingress:shop:api:shop.contoso.com/api'],
    ],
    [
      'an HTTPRoute attached to a Gateway in another namespace routes to a Service that selects it',
      'Deployment',
      'storefront',
      ['internet:HTTPRoute:infra/public:shop/storefront:storefront:store.contoso.com/store'],
    ],
    ['only an internal Azure load balancer selects it', 'Deployment', 'admin', []],
    ['only a LoadBalancer Service in another namespace has a selector matching its labels', 'Deployment', 'catalog', []],
    ['only a NodePort Service selects it (a node exposure, not an internet one)', 'Deployment', 'legacy', ['node:NodePort:legacy']],
    [
      'its pods use the host network and a hostPort (node exposures only)',
      'DaemonSet',
      'node-agent',
      ['node:hostNetwork', 'node:hostPort:agent:9100'],
    ],
    ['no Service selects it', 'StatefulSet', 'db', []],
    ['it is a bare pod that no Service selects', 'Pod', 'debug', []],
  ];
  for (const [why, kind, name, expected] of exposures) {
    it(`exposes ${kind} ${name} by exactly its paths when ${why}`, () => {
      const workload = find(kind === 'DaemonSet' ? 'kube-system' : 'shop', kind, name);
      assert.deepEqual(paths(workload), expected);
      assert.equal(
        isInternetExposed(workload as Workload),
        expected.some((p) => p.startsWith('internet:')),
      );
    });
  }

  it('does not list a Deployment whose only pod is Pending, though a public load balancer selects it', () => {
    assert.equal(find('shop', 'Deployment', 'report'), undefined);
  });

  it('names the CronJob, not its Job, as the workload of a Job pod, and drops the CronJob whose pod finished', () => {
    assert.ok(find('shop', 'CronJob', 'cleanup'));
    assert.equal(find('shop', 'CronJob', 'nightly'), undefined);
    assert.equal(find('shop', 'Job', 'cleanup-29406240'), undefined);
  });

  it('makes one image row for one image in two containers of two replicas, with the running digest and its repository', () => {
    const web = find('shop', 'Deployment', 'web');
    assert.deepEqual(web?.images, [
      {
        digest: 'sha256:4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2',
        resolved: true,
        configId: null,
        repositories: ['contoso.azurecr.io/shop/web'],
        references: ['contoso.azurecr.io/shop/web:1.4.2'],
        containers: ['jobs', 'web'],
      },
    ]);
    assert.deepEqual(web?.containers, ['jobs', 'web']);
  });

  it('reads the digest of a docker-pullable:// imageID', () => {
    const api = find('shop', 'Deployment', 'api');
    assert.equal(api?.images[0]?.resolved, true);
    assert.deepEqual(api?.images[0]?.repositories, ['contoso.azurecr.io/shop/api']);
  });

  it('keeps a bare sha256 config id as unresolved, with no digest', () => {
    const db = find('shop', 'StatefulSet', 'db');
    assert.equal(db?.images.length, 1);
    assert.equal(db?.images[0]?.resolved, false);
    assert.equal(db?.images[0]?.digest, null);
    assert.match(db?.images[0]?.configId ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(db?.images[0]?.references, ['docker.io/library/shop-db:local', 'shop-db:local']);
  });

  it("takes the owner's labels for a workload and the pod's for a bare pod", () => {
    assert.deepEqual(find('shop', 'Deployment', 'web')?.labels, { app: 'web', team: 'storefront' });
    assert.deepEqual(find('shop', 'Pod', 'debug')?.labels, { run: 'debug' });
  });

  it('keeps no env value and no annotation the exposure rules do not need', () => {
    const text = JSON.stringify(snapshot());
    const fixture = readFileSync(FIXTURE, 'utf8');
    for (const planted of ['hunter2-fixture-secret', 'deployment.kubernetes.io/revision', 'nginx.ingress.kubernetes.io/proxy-body-size']) {
      assert.ok(fixture.includes(planted), `the fixture holds ${planted}`);
      assert.ok(!text.includes(planted), `the snapshot leaves out ${planted}`);
    }
  });

  it('counts nothing as skipped when every item is of a kind it reads', () => {
    assert.deepEqual(snapshot().skipped, {});
  });
});
