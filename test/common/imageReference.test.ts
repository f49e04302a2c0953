import { strict as assert } from 'node:assert';
import { formatImageReference, InvalidImageReferenceError, normalizeDigest, parseImageReference } from '../../common/imageReference';

const D = 'sha256:' + 'ab'.repeat(32);

describe('parseImageReference', () => {
  const valid: Array<[string, string]> = [
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['team/web-api:1.4.2', 'docker.io/team/web-api:1.4.2'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/team/app:v1', 'docker.io/team/app:v1'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    ['127.0.0.1:5000/team/app:1', '127.0.0.1:5000/team/app:1'],
    ['Contoso.AzureCR.io/web-api:1.4.2', 'contoso.azurecr.io/web-api:1.4.2'],
    ['ghcr.io/org/sub/app:latest', 'ghcr.io/org/sub/app:latest'],
    [`ghcr.io/org/app@${D}`, `ghcr.io/org/app@${D}`],
    [`ghcr.io/org/app:1.0@${D.toUpperCase().replace('SHA256', 'sha256')}`, `ghcr.io/org/app:1.0@${D}`],
    ['a__b/c-d.e:Tag_1.0-rc', 'docker.io/a__b/c-d.e:Tag_1.0-rc'],
    ['[::1]:5000/app:1', '[::1]:5000/app:1'],
  ];
  for (const [input, expected] of valid) {
    it(`normalises "${input}" to "${expected}"`, () => {
      assert.equal(formatImageReference(parseImageReference(input)), expected);
    });
  }

  it('keeps the port as part of the registry, not as a tag', () => {
    const ref = parseImageReference('localhost:5000/app');
    assert.deepEqual(ref, { registry: 'localhost:5000', repository: 'app' });
  });

  const invalid = ['', 'UPPER', 'app:', 'app:-bad', 'a//b', 'app@sha256:xyz', 'reg.io/', ':tag', 'app:' + 'x'.repeat(129)];
  for (const input of invalid) {
    it(`rejects "${input}" with an error naming the reference`, () => {
      assert.throws(() => parseImageReference(input), InvalidImageReferenceError);
    });
  }
});

describe('normalizeDigest', () => {
  it('lowercases and accepts a sha256 digest', () => {
    assert.equal(normalizeDigest(` ${D.toUpperCase().replace('SHA256', 'SHA256')} `), D);
  });
  it('refuses digests of the wrong length or algorithm', () => {
    assert.equal(normalizeDigest('sha256:abc'), undefined);
    assert.equal(normalizeDigest('sha512:' + 'a'.repeat(128)), undefined);
    assert.equal(normalizeDigest('a'.repeat(64)), undefined);
  });
});
