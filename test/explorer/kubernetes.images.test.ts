import { strict as assert } from 'node:assert';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { DIGEST_A, DIGEST_B, list, pod } from './kubernetesItems';

type Item = Record<string, unknown>;

/** A pod whose spec and status are replaced by `spec` and `statuses` (init containers under `initStatuses`). */
function podWith(spec: Item, statuses: Item[], initStatuses: Item[] = []): Item {
  const base = pod('shop', 'app-1', { app: 'app' });
  return { ...base, spec, status: { phase: 'Running', containerStatuses: statuses, initContainerStatuses: initStatuses } };
}

const status = (name: string, imageID: string): Item => ({
  name,
  image: `registry.example/${name}:1`,
  imageID,
  ready: true,
  restartCount: 0,
});

describe('the images of a workload', () => {
  it('counts a native sidecar (init container with restartPolicy: Always) and not a plain init container', () => {
    const spec = {
      initContainers: [
        { name: 'migrate', image: 'registry.example/migrate:1' },
        { name: 'proxy', image: 'registry.example/proxy:1', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'app', image: 'registry.example/app:1' }],
    };
    const item = podWith(
      spec,
      [status('app', `registry.example/app@${DIGEST_A}`)],
      [status('migrate', `registry.example/migrate@${'sha256:' + 'd4'.repeat(32)}`), status('proxy', `registry.example/proxy@${DIGEST_B}`)],
    );
    const [workload] = buildClusterSnapshot(list(item)).workloads;
    assert.deepEqual(workload?.containers, ['app', 'proxy']);
    assert.deepEqual(
      workload?.images.map((i) => [i.digest, i.containers]),
      [
        [DIGEST_A, ['app']],
        [DIGEST_B, ['proxy']],
      ],
    );
  });

  it('keeps a container that has not started yet (empty imageID) as unresolved, named by its reference', () => {
    const spec = { containers: [{ name: 'app', image: 'registry.example/app:1' }] };
    const [workload] = buildClusterSnapshot(list(podWith(spec, [status('app', '')]))).workloads;
    assert.deepEqual(workload?.images, [
      { digest: null, resolved: false, configId: null, repositories: [], references: ['registry.example/app:1'], containers: ['app'] },
    ]);
  });

  it('makes one row per digest when the replicas of one workload run two digests (a rollout in progress)', () => {
    const owner: [string, string, string] = ['apps/v1', 'StatefulSet', 'db'];
    const items = [
      pod('shop', 'db-0', {}, { owner, imageID: `registry.example/app@${DIGEST_A}` }),
      pod('shop', 'db-1', {}, { owner, imageID: `registry.example/app@${DIGEST_B}` }),
    ];
    const [workload] = buildClusterSnapshot(list(...items)).workloads;
    assert.deepEqual(
      workload?.images.map((i) => i.digest),
      [DIGEST_A, DIGEST_B],
    );
  });
});
