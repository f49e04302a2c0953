import { strict as assert } from 'node:assert';
import { imagesFromMetadata } from '../../collector/buildx';

const D = `sha256:${'c'.repeat(64)}`;
const AT = Date.parse('2026-11-28T17:00:00Z');

describe('buildx metadata files', function () {
  it('reports every name of a `buildx build --metadata-file` result with its digest', function () {
    const text = JSON.stringify({
      'buildx.build.ref': 'builder/builder0/abc',
      'containerimage.config.digest': `sha256:${'d'.repeat(64)}`,
      'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D, size: 100 },
      'containerimage.digest': D,
      'image.name': 'contoso.azurecr.io/web:1,contoso.azurecr.io/web:latest',
    });
    const { images, warnings } = imagesFromMetadata([{ name: 'web.json', text, modifiedMs: AT }]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(images, [
      {
        digest: D,
        registry: 'contoso.azurecr.io',
        repository: 'web',
        tag: '1',
        pushedAt: '2026-11-28T17:00:00.000Z',
        origin: 'buildx-metadata',
      },
      {
        digest: D,
        registry: 'contoso.azurecr.io',
        repository: 'web',
        tag: 'latest',
        pushedAt: '2026-11-28T17:00:00.000Z',
        origin: 'buildx-metadata',
      },
    ]);
  });

  it('reports each target of a `buildx bake --metadata-file` result', function () {
    const text = JSON.stringify({
      api: { 'containerimage.digest': D, 'image.name': 'ghcr.io/o/api:2' },
      web: { 'containerimage.digest': D, 'image.name': 'nginx' },
    });
    const { images } = imagesFromMetadata([{ name: 'bake.json', text, modifiedMs: AT }]);
    assert.deepEqual(
      images.map((i) => `${i.registry}/${i.repository}:${i.tag}`),
      ['ghcr.io/o/api:2', 'docker.io/library/nginx:undefined'],
    );
  });

  for (const [name, text] of [
    ['is not JSON', '{'],
    ['has no digest', '{"image.name":"a/b:1"}'],
    ['has a digest that is not sha256', '{"containerimage.digest":"md5:abc","image.name":"a/b:1"}'],
    ['has no image name', `{"containerimage.digest":"${D}"}`],
    ['names an invalid reference', `{"containerimage.digest":"${D}","image.name":"Bad Name"}`],
  ] as const) {
    it(`skips, with a warning, a file that ${name}`, function () {
      const { images, warnings } = imagesFromMetadata([{ name: 'x.json', text, modifiedMs: AT }]);
      assert.equal(images.length, 0);
      assert.deepEqual(
        warnings.map((w) => w.code),
        ['buildx-metadata-invalid'],
      );
    });
  }

  it('does not report the same image twice from two files', function () {
    const text = JSON.stringify({ 'containerimage.digest': D, 'image.name': 'a.test/b:1' });
    assert.equal(
      imagesFromMetadata([
        { name: '1.json', text, modifiedMs: AT },
        { name: '2.json', text, modifiedMs: AT },
      ]).images.length,
      1,
    );
  });
});
