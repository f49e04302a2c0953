import { strict as assert } from 'node:assert';
import { InventoryError } from '../../service/src/explorer/kubernetes/errors';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { DIGEST_B, list, pod, service } from './kubernetesItems';

type Item = Record<string, unknown>;

function withPath(item: Item, path: string[], value: unknown): Item {
  const copy = structuredClone(item);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path[path.length - 1] as string] = value;
  return copy;
}

function errorOf(input: unknown): InventoryError {
  try {
    buildClusterSnapshot(input);
  } catch (error) {
    assert.ok(error instanceof InventoryError, `an InventoryError, got ${String(error)}`);
    return error;
  }
  assert.fail('no error');
}

const good = pod('shop', 'app-1', { app: 'app' });

describe('buildClusterSnapshot on bad input', () => {
  const notLists: Array<[string, unknown, RegExp]> = [
    ['an array', [good], /expected a Kubernetes List.*got array/],
    ['a single Pod', good, /expected a Kubernetes List.*got an object of kind "Pod"/],
    ['a List without items', { apiVersion: 'v1', kind: 'List' }, /expected a Kubernetes List/],
    ['null', null, /got null/],
    ['a string', 'apiVersion: v1', /got string/],
  ];
  for (const [what, input, message] of notLists) {
    it(`refuses ${what} with an error naming the List it expected`, () => {
      const error = errorOf(input);
      assert.equal(error.reason, 'not-a-list');
      assert.match(error.message, message);
    });
  }

  it('skips and counts items of unknown kinds, and of known kind names in other API groups', () => {
    const istioGateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' }, spec: {} };
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: { a: 'b' } };
    const snapshot = buildClusterSnapshot(list(good, configMap, structuredClone(configMap), istioGateway));
    assert.deepEqual(snapshot.skipped, { ConfigMap: 2, 'networking.istio.io/Gateway': 1 });
    assert.equal(snapshot.workloads.length, 1);
  });

  it('refuses two objects of the same kind, namespace and name, naming the second', () => {
    const error = errorOf(
      list(service('shop', 'app', 'ClusterIP', { app: 'app' }), good, service('shop', 'app', 'LoadBalancer', { app: 'app' })),
    );
    assert.equal(error.reason, 'duplicate');
    assert.equal(error.path, 'items[2]');
    assert.match(error.message, /Service shop\/app appears twice/);
  });

  it('accepts the same name for two kinds, or in two namespaces', () => {
    const snapshot = buildClusterSnapshot(
      list(service('shop', 'app-1', 'ClusterIP', { app: 'app' }), good, pod('edge', 'app-1', { app: 'app' })),
    );
    assert.equal(snapshot.workloads.length, 2);
  });

  const wrongTypes: Array<[string, Item[], string]> = [
    [
      'a number as imageID',
      [withPath(good, ['status', 'containerStatuses'], [{ name: 'app', image: 'a', imageID: 42 }])],
      'items[1].status.containerStatuses[0].imageID',
    ],
    [
      'containerStatuses as an object',
      [withPath(good, ['status', 'containerStatuses'], { name: 'app' })],
      'items[1].status.containerStatuses',
    ],
    ['a label value that is a number', [withPath(good, ['metadata', 'labels'], { app: 1 })], 'items[1].metadata.labels.app'],
    [
      'a label key with a slash and a boolean value',
      [withPath(good, ['metadata', 'labels'], { 'app.kubernetes.io/name': true })],
      'items[1].metadata.labels["app.kubernetes.io/name"]',
    ],
    ['a missing name', [withPath(good, ['metadata', 'name'], undefined)], 'items[1].metadata.name'],
    ['a missing kind', [withPath(good, ['kind'], undefined)], 'items[1].kind'],
    [
      'a selector that is a string',
      [withPath(service('shop', 's', 'ClusterIP', {}), ['spec', 'selector'], 'app=web')],
      'items[1].spec.selector',
    ],
    ['hostNetwork as a string', [withPath(good, ['spec', 'hostNetwork'], 'true')], 'items[1].spec.hostNetwork'],
  ];
  for (const [what, items, path] of wrongTypes) {
    it(`refuses ${what} with an error naming ${path}`, () => {
      const error = errorOf(list(pod('shop', 'first', {}), ...items));
      assert.equal(error.reason, 'wrong-type');
      assert.equal(error.path, path);
      assert.ok(error.message.startsWith(`${path}: expected `), error.message);
    });
  }

  it('refuses an imageID whose digest is not a sha256 digest, naming its path', () => {
    const error = errorOf(list(pod('shop', 'app-1', {}, { imageID: `registry.example/app@${DIGEST_B.slice(0, 20)}` })));
    assert.equal(error.reason, 'invalid-digest');
    assert.equal(error.path, 'items[0].status.containerStatuses[0].imageID');
  });

  it('refuses an item that is not an object, naming its index', () => {
    const error = errorOf(list(good, 'Pod/app-2'));
    assert.equal(error.reason, 'wrong-type');
    assert.equal(error.path, 'items[1]');
  });
});
