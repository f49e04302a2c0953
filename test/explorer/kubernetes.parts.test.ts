import { strict as assert } from 'node:assert';
import { parseImageId } from '../../service/src/explorer/kubernetes/imageId';
import { isInternalLoadBalancer } from '../../service/src/explorer/kubernetes/loadBalancer';
import { selects } from '../../service/src/explorer/kubernetes/selector';

const D = 'sha256:' + 'c3'.repeat(32);

describe('parseImageId', () => {
  const table: Array<[string, ReturnType<typeof parseImageId>]> = [
    [`docker-pullable://registry.example/team/app@${D}`, { resolved: true, digest: D, repository: 'registry.example/team/app' }],
    [`registry.example:5000/app@${D}`, { resolved: true, digest: D, repository: 'registry.example:5000/app' }],
    [
      `docker.io/library/nginx@${D.toUpperCase().replace('SHA256', 'sha256')}`,
      { resolved: true, digest: D, repository: 'docker.io/library/nginx' },
    ],
    [D, { resolved: false, configId: D }],
    [`docker://${D}`, { resolved: false, configId: D }],
    ['', { resolved: false, configId: null }],
    ['registry.example/app@sha256:1234', undefined],
    [`@${D}`, undefined],
  ];
  for (const [imageId, expected] of table) {
    it(`reads ${JSON.stringify(imageId)} as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseImageId(imageId), expected);
    });
  }
});

describe('isInternalLoadBalancer', () => {
  const table: Array<[Record<string, string>, boolean]> = [
    [{}, false],
    [{ 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' }, true],
    [{ 'service.beta.kubernetes.io/azure-load-balancer-internal': 'false' }, false],
    [{ 'service.beta.kubernetes.io/azure-load-balancer-internal-subnet': 'apps' }, false],
    [{ 'networking.gke.io/load-balancer-type': 'Internal' }, true],
    [{ 'networking.gke.io/load-balancer-type': 'External' }, false],
    [{ 'cloud.google.com/load-balancer-type': 'Internal' }, true],
    [{ 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' }, true],
    [{ 'service.beta.kubernetes.io/aws-load-balancer-internal': '0.0.0.0/0' }, true],
    [{ 'service.beta.kubernetes.io/aws-load-balancer-internal': 'false' }, false],
    [{ 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' }, true],
    [{ 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' }, false],
  ];
  for (const [annotations, internal] of table) {
    it(`says ${JSON.stringify(annotations)} is ${internal ? 'internal' : 'public'}`, () => {
      assert.equal(isInternalLoadBalancer(annotations), internal);
    });
  }
});

describe('selects', () => {
  const pod = { namespace: 'shop', labels: { app: 'web', tier: 'front', version: '2' } };
  const table: Array<[string, string, Record<string, string>, boolean]> = [
    ['every key of the selector matches', 'shop', { app: 'web', tier: 'front' }, true],
    ['one key has another value', 'shop', { app: 'web', tier: 'back' }, false],
    ['one key is missing from the pod', 'shop', { app: 'web', zone: 'a' }, false],
    ['the Service is in another namespace', 'edge', { app: 'web' }, false],
    ['the selector is empty', 'shop', {}, false],
    ['the key is an inherited property name', 'shop', { toString: '' }, false],
  ];
  for (const [why, namespace, selector, expected] of table) {
    it(`${expected ? 'selects' : 'does not select'} the pod when ${why}`, () => {
      assert.equal(selects({ namespace, selector }, pod), expected);
    });
  }
});
