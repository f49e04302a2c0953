/**
 * What differs between engines, from tables: the API version the task asks for (apiVersion.ts),
 * what a `docker push` sent from the containerd image store (indexManifests.ts, through
 * resolvePushes), and when an engine restart hides the start of the job (events.ts).
 */
import { strict as assert } from 'node:assert';
import { compareApiVersions, minimumFromRefusal, negotiateApiVersion, NEWEST_API_VERSION } from '../../collector/apiVersion';
import { pushedManifestOf, type LocalManifest } from '../../collector/indexManifests';
import { resolvePushes, type InspectedImage } from '../../collector/pushes';
import { engineRestarted } from '../../collector/events';
import { parseImageReference } from '../../common/imageReference';
import type { RegistryDigestLookup } from '../../collector/registryDigest';

/** One RepoDigests entry per repository settles the digest: the registry must not be asked. */
const registryNotAsked: RegistryDigestLookup = (reference) =>
  Promise.reject(new Error(`the registry was asked for ${reference.repository}`));

const INDEX = `sha256:${'0'.repeat(64)}`;
const AMD64 = `sha256:${'a'.repeat(64)}`;
const ARM64 = `sha256:${'b'.repeat(64)}`;
const ATTESTATION = `sha256:${'c'.repeat(64)}`;

const manifest = (digest: string, architecture: string, available = true): LocalManifest => ({
  digest,
  kind: 'image',
  available,
  platform: { os: 'linux', architecture },
});
const attestation: LocalManifest = {
  digest: ATTESTATION,
  kind: 'attestation',
  available: true,
  platform: { os: 'unknown', architecture: 'unknown' },
};

describe('Engine API version negotiation', function () {
  const cases: Array<{ name: string; engine: string | undefined; minimum?: string; expected: string | undefined }> = [
    { name: "Docker 20.10 (1.41): the engine's own, never one above it", engine: '1.41', expected: '1.41' },
    { name: 'Podman 4.3 (answers as 1.41)', engine: '1.41', expected: '1.41' },
    { name: 'Docker 28.5 (1.51): the newest this code understands', engine: '1.51', expected: NEWEST_API_VERSION },
    { name: 'Docker 29 (1.52, minimum 1.44): the newest this code understands, above its minimum', engine: '1.52', expected: '1.51' },
    { name: 'a future engine whose minimum passed this code: its minimum', engine: '1.60', minimum: '1.55', expected: '1.55' },
    { name: 'an engine that named no version: unversioned, which every engine accepts', engine: undefined, expected: undefined },
    { name: 'a header that is not a version: unversioned', engine: 'banana', expected: undefined },
  ];
  for (const c of cases) {
    it(c.name, function () {
      assert.equal(negotiateApiVersion(c.engine, c.minimum), c.expected);
    });
  }

  it('compares versions as numbers, not text', function () {
    assert.ok(compareApiVersions('1.9', '1.41') < 0);
    assert.ok(compareApiVersions('1.100', '1.52') > 0);
    assert.equal(compareApiVersions('v1.44', '1.44'), 0);
  });

  it("reads the minimum from the engine's refusal (moby daemon/server/middleware/version.go)", function () {
    const message =
      '(HTTP code 400) unexpected - client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version ';
    assert.equal(minimumFromRefusal(message), '1.44');
    assert.equal(minimumFromRefusal('client version 1.52 is too new. Maximum supported API version is 1.41'), undefined);
  });
});

describe('What a docker push sent from the containerd image store', function () {
  it('the index, with its platform manifests and without its attestation, when every platform is on the agent', function () {
    assert.deepEqual(pushedManifestOf(INDEX, [manifest(AMD64, 'amd64'), manifest(ARM64, 'arm64'), attestation]), {
      digest: INDEX,
      platforms: [
        { digest: AMD64, os: 'linux', architecture: 'amd64' },
        { digest: ARM64, os: 'linux', architecture: 'arm64' },
      ],
    });
  });

  it('the single platform manifest on the agent, naming its index, when the others are missing (the engine falls back to it)', function () {
    assert.deepEqual(pushedManifestOf(INDEX, [manifest(AMD64, 'amd64'), manifest(ARM64, 'arm64', false), attestation]), {
      digest: AMD64,
      indexDigest: INDEX,
      os: 'linux',
      architecture: 'amd64',
    });
  });

  it("the engine's platform when several but not all are on the agent", function () {
    const riscv = `sha256:${'d'.repeat(64)}`;
    const chosen = pushedManifestOf(INDEX, [manifest(AMD64, 'amd64'), manifest(ARM64, 'arm64'), manifest(riscv, 'riscv64', false)], {
      os: 'linux',
      architecture: 'arm64',
    });
    assert.equal(chosen?.digest, ARM64);
    assert.equal(chosen?.uncertain, undefined);
  });

  it('the index with a reason when what was sent cannot be told', function () {
    const chosen = pushedManifestOf(INDEX, [manifest(AMD64, 'amd64', false), manifest(ARM64, 'arm64', false)]);
    assert.equal(chosen?.digest, INDEX);
    assert.match(chosen?.uncertain ?? '', /none of its platform manifests is on the agent/);
  });

  it('nothing to decide on the classic store or an engine before API 1.48 (no Manifests): RepoDigests stands', function () {
    assert.equal(pushedManifestOf(INDEX, undefined), undefined);
  });

  describe('through the push resolution', function () {
    const reference = parseImageReference('127.0.0.1:5000/team/app:1');
    const push = { reference, name: '127.0.0.1:5000/team/app:1', pushedAtMs: Date.parse('2026-11-28T10:00:00Z') };
    // RepoDigests on the containerd store: the Id under every local name, pushed or not.
    const image = (manifests: LocalManifest[]): InspectedImage => ({
      id: INDEX,
      repoDigests: [`127.0.0.1:5000/team/app@${INDEX}`, `127.0.0.1:5001/never/pushed@${INDEX}`],
      os: 'linux',
      architecture: 'amd64',
      manifests,
    });

    it('reports the platform manifest the registry got, not the RepoDigests index, after a fallback push', async function () {
      const { images, warnings } = await resolvePushes(
        [push],
        () => Promise.resolve(image([manifest(AMD64, 'amd64'), manifest(ARM64, 'arm64', false), attestation])),
        registryNotAsked,
      );
      assert.deepEqual(warnings, []);
      assert.equal(images.length, 1);
      assert.equal(images[0]?.digest, AMD64);
      assert.equal(images[0]?.indexDigest, INDEX);
      assert.equal(images[0]?.imageId, INDEX);
      assert.equal(images[0]?.platforms, undefined);
    });

    /** A registry that serves `answer` for the pushed tag, recording what it was asked. */
    const registryServing = (answer: Awaited<ReturnType<RegistryDigestLookup>>) => {
      const asked: string[] = [];
      const lookup: RegistryDigestLookup = (reference) => {
        asked.push(`${reference.registry}/${reference.repository}:${reference.tag}`);
        return Promise.resolve(answer);
      };
      return { asked, lookup };
    };

    it('reports an index push with its platforms, for the pushed repository only, when the registry serves the index', async function () {
      const registry = registryServing({ ok: true, digest: INDEX });
      const { images, warnings } = await resolvePushes(
        [push],
        () => Promise.resolve(image([manifest(AMD64, 'amd64'), manifest(ARM64, 'arm64')])),
        registry.lookup,
      );
      assert.deepEqual(warnings, []);
      assert.deepEqual(registry.asked, ['127.0.0.1:5000/team/app:1']);
      assert.deepEqual(
        images.map((i) => [i.registry, i.repository, i.digest, i.indexDigest, i.platforms?.map((p) => p.architecture)]),
        [['127.0.0.1:5000', 'team/app', INDEX, undefined, ['amd64', 'arm64']]],
      );
    });

    it('reports the one platform manifest a docker push --platform sent, naming the index, when the registry serves it', async function () {
      const registry = registryServing({ ok: true, digest: ARM64 });
      const { images, warnings } = await resolvePushes(
        [push],
        () => Promise.resolve(image([manifest(AMD64, 'amd64'), manifest(ARM64, 'arm64'), attestation])),
        registry.lookup,
      );
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        images.map((i) => [i.digest, i.indexDigest, i.imageId, i.os, i.architecture, i.platforms]),
        [[ARM64, INDEX, INDEX, 'linux', 'arm64', undefined]],
      );
    });

    it('keeps the index with a digest-uncertain warning when the registry cannot say, or serves none of the image’s manifests', async function () {
      const other = `sha256:${'d'.repeat(64)}`;
      for (const [answer, why] of [
        [
          { ok: false, reason: 'the registry refused the stored login (401)' },
          /could not say which was sent \(the registry refused the stored login \(401\)\)/,
        ],
        [{ ok: true, digest: other }, /the registry now serves sha256:d{64} for the tag, which is none of this image's manifests/],
      ] as const) {
        const { images, warnings } = await resolvePushes(
          [push],
          () => Promise.resolve(image([manifest(AMD64, 'amd64'), manifest(ARM64, 'arm64')])),
          registryServing(answer).lookup,
        );
        assert.deepEqual(
          images.map((i) => [i.digest, i.indexDigest, i.platforms?.length]),
          [[INDEX, undefined, 2]],
        );
        assert.deepEqual(
          warnings.map((w) => w.code),
          ['digest-uncertain'],
        );
        assert.match(warnings[0]?.message ?? '', why);
      }
    });

    it('does not ask the registry for a single-manifest image (nothing else could have been pushed)', async function () {
      const { images, warnings } = await resolvePushes([push], () => Promise.resolve(image([manifest(INDEX, 'amd64')])), registryNotAsked);
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        images.map((i) => [i.digest, i.indexDigest]),
        [[INDEX, undefined]],
      );
    });

    it('warns, naming the image, when what was sent cannot be told', async function () {
      const { images, warnings } = await resolvePushes(
        [push],
        () => Promise.resolve(image([manifest(AMD64, 'amd64', false), manifest(ARM64, 'arm64', false)])),
        registryServing({ ok: false, reason: 'the registry did not answer' }).lookup,
      );
      assert.equal(images[0]?.digest, INDEX);
      assert.deepEqual(
        warnings.map((w) => w.code),
        ['digest-uncertain'],
      );
      assert.match(warnings[0]?.message ?? '', /^127\.0\.0\.1:5000\/team\/app:1: reported sha256:0{64}, but none/);
    });
  });
});

describe('An engine restarted during the job', function () {
  const since = Date.parse('2026-11-28T10:00:00Z');
  it('is one that started after the window began', function () {
    assert.equal(engineRestarted(since + 1, since), true);
    assert.equal(engineRestarted(since - 1, since), false);
    assert.equal(engineRestarted(undefined, since), false, 'unknown start: no claim');
    assert.equal(engineRestarted(since, 0), false, 'unknown window: no claim');
  });
});
