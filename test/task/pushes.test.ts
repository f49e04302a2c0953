import { strict as assert } from 'node:assert';
import {
  digestForRepository,
  planPushes,
  resolvePushes,
  selectLabels,
  untaggedRepositories,
  type InspectedImage,
} from '../../collector/pushes';
import type { EngineEvent } from '../../collector/events';
import { parseImageReference, type ImageReference } from '../../common/imageReference';
import type { RegistryDigestResult } from '../../collector/registryDigest';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const ID1 = `sha256:${'a'.repeat(64)}`;
const ID2 = `sha256:${'b'.repeat(64)}`;

function tag(name: string, imageId: string, s: number): EngineEvent {
  return { type: 'image', action: 'tag', actorId: imageId, attributes: { name }, timeNano: s * 1e9 };
}
function push(reference: string, s: number): EngineEvent {
  return { type: 'image', action: 'push', actorId: reference, attributes: {}, timeNano: s * 1e9 };
}
/** Podman 4.3's push event: the image ID in Actor.ID, the destination in Attributes.name (measured). */
function podmanPushEvent(imageHex: string, destination: string, s: number): EngineEvent {
  return { type: 'image', action: 'push', actorId: imageHex, attributes: { name: destination, podId: '' }, timeNano: s * 1e9 };
}
/** A registry lookup a test does not expect to be made. */
const notAsked = (reference: ImageReference): Promise<RegistryDigestResult> =>
  Promise.reject(new Error(`the registry was asked for ${reference.repository}`));
/** A registry lookup answering `digests[tag]`, recording what it was asked. */
function registryAnswering(digests: Record<string, string | undefined>) {
  const asked: string[] = [];
  const lookup = (reference: ImageReference): Promise<RegistryDigestResult> => {
    asked.push(`${reference.registry}/${reference.repository}:${reference.tag}`);
    const digest = digests[reference.tag ?? ''];
    return Promise.resolve(digest ? { ok: true, digest } : { ok: false, reason: 'the registry answered 503' });
  };
  return { asked, lookup };
}

describe('Push resolution', function () {
  describe('planning', function () {
    it('takes the image a tag held at push time from the tag event before the push', function () {
      const events = [tag('reg:5000/app:1', ID1, 1), push('reg:5000/app:1', 2), tag('reg:5000/app:1', ID2, 3), push('reg:5000/app:1', 4)];
      const plan = planPushes(
        events,
        events.filter((e) => e.action === 'push'),
      );
      assert.deepEqual(
        plan.pushes.map((p) => [p.name, p.imageId]),
        [
          ['reg:5000/app:1', ID1],
          ['reg:5000/app:1', ID2],
        ],
      );
      assert.deepEqual(plan.warnings, []);
    });

    it('matches tag and push names after normalisation (docker.io, library/)', function () {
      const events = [tag('docker.io/library/nginx:1', ID1, 1), push('nginx:1', 2)];
      assert.equal(planPushes(events, [events[1] as EngineEvent]).pushes[0]?.imageId, ID1);
    });

    it("uses the tag's current image when no tag event is in the window", function () {
      const events = [push('reg:5000/app:1', 2)];
      const plan = planPushes(events, events);
      assert.equal(plan.pushes[0]?.imageId, undefined);
      assert.equal(plan.pushes[0]?.name, 'reg:5000/app:1');
    });

    it('warns instead of guessing when the tag moved after a push it cannot date', function () {
      const events = [push('reg:5000/app:1', 2), tag('reg:5000/app:1', ID2, 3), push('reg:5000/app:1', 4)];
      const plan = planPushes(
        events,
        events.filter((e) => e.action === 'push'),
      );
      assert.deepEqual(
        plan.pushes.map((p) => p.imageId),
        [ID2],
      );
      assert.deepEqual(
        plan.warnings.map((w) => w.code),
        ['push-not-recoverable'],
      );
    });

    it('counts the same image pushed twice under one name once', function () {
      const events = [tag('reg:5000/app:1', ID1, 1), push('reg:5000/app:1', 2), push('reg:5000/app:1', 3)];
      assert.equal(
        planPushes(
          events,
          events.filter((e) => e.action === 'push'),
        ).pushes.length,
        1,
      );
    });

    it("takes a Podman push's destination from Attributes.name and its image from Actor.ID, and asks the registry for its digest", function () {
      const plan = planPushes([], [podmanPushEvent('a'.repeat(64), '127.0.0.1:5000/team/app:1', 2)]);
      assert.deepEqual(plan.warnings, []);
      assert.deepEqual(
        plan.pushes.map((p) => [p.name, p.imageId, p.askRegistry]),
        [['127.0.0.1:5000/team/app:1', ID1, true]],
      );
    });

    it('plans a push --all-tags (a repository without a tag) as a push of every tag it had: tagged in the window before it, or on the engine untouched', function () {
      const events = [
        tag('reg:5000/app:a', ID1, 1),
        tag('reg:5000/other:a', ID1, 1),
        tag('reg:5000/app:b', ID2, 2),
        push('reg:5000/app', 3),
        tag('reg:5000/app:later', ID2, 4),
      ];
      const localTags = new Map([['reg:5000/app', ['reg:5000/app:a', 'reg:5000/app:b', 'reg:5000/app:old', 'reg:5000/app:later']]]);
      const plan = planPushes(events, [events[3] as EngineEvent], localTags);
      assert.deepEqual(plan.warnings, []);
      assert.deepEqual(
        plan.pushes.map((p) => [p.name, p.imageId, p.pushedAtMs]),
        [
          ['reg:5000/app:a', ID1, 3000],
          ['reg:5000/app:b', ID2, 3000],
          ['reg:5000/app:old', undefined, 3000],
        ],
      );
      assert.deepEqual(untaggedRepositories([events[3] as EngineEvent, push('reg:5000/app:1', 5)]), ['reg:5000/app']);
    });

    it('skips, with a warning, a push event that names no valid reference', function () {
      const plan = planPushes([], [push('UPPER/Case::bad', 1)]);
      assert.equal(plan.pushes.length, 0);
      assert.deepEqual(
        plan.warnings.map((w) => w.code),
        ['unparsable-reference'],
      );
    });
  });

  describe('digest choice', function () {
    const cases: { name: string; repoDigests: string[]; reference: string; digest?: string; candidates: number }[] = [
      {
        name: 'picks the entry of the pushed repository',
        repoDigests: [`other:5000/app@${D2}`, `reg:5000/app@${D1}`],
        reference: 'reg:5000/app:1',
        digest: D1,
        candidates: 1,
      },
      {
        name: 'normalises Docker Hub names',
        repoDigests: [`nginx@${D1}`],
        reference: 'docker.io/library/nginx:1',
        digest: D1,
        candidates: 1,
      },
      {
        name: 'tells apart repositories that share a prefix',
        repoDigests: [`reg:5000/app-extra@${D2}`],
        reference: 'reg:5000/app:1',
        candidates: 0,
      },
      {
        name: 'counts several digests in one repository',
        repoDigests: [`reg:5000/app@${D1}`, `reg:5000/app@${D2}`],
        reference: 'reg:5000/app:1',
        digest: D1,
        candidates: 2,
      },
      {
        name: 'ignores entries it cannot parse',
        repoDigests: ['???', `reg:5000/app@${D1}`],
        reference: 'reg:5000/app:1',
        digest: D1,
        candidates: 1,
      },
    ];
    for (const c of cases) {
      it(c.name, function () {
        const result = digestForRepository(c.repoDigests, parseImageReference(c.reference));
        assert.equal(result.digest, c.digest);
        assert.equal(result.candidates, c.candidates);
      });
    }
  });

  it('keeps only provenance labels', function () {
    assert.deepEqual(
      selectLabels({ 'org.opencontainers.image.revision': 'abc', 'org.label-schema.vcs-url': 'u', maintainer: 'someone@example.test' }),
      {
        'org.opencontainers.image.revision': 'abc',
        'org.label-schema.vcs-url': 'u',
      },
    );
    assert.equal(selectLabels({ maintainer: 'x' }), undefined);
  });

  describe('resolution through inspect', function () {
    const images: Record<string, InspectedImage> = {
      [ID1]: {
        id: ID1,
        repoDigests: [`reg:5000/app@${D1}`],
        os: 'linux',
        architecture: 'amd64',
        created: '2026-11-28T17:00:00.123456789Z',
        labels: { 'org.opencontainers.image.source': 'https://x.test/r' },
      },
      'reg:5000/app:2': { id: ID2, repoDigests: [] },
    };
    const inspect = (name: string) => Promise.resolve(images[name]);

    it('reports digest, image and provenance, and warns for what it cannot resolve', async function () {
      const plan = [
        { reference: parseImageReference('reg:5000/app:1'), name: 'reg:5000/app:1', pushedAtMs: 1000, imageId: ID1 },
        { reference: parseImageReference('reg:5000/app:2'), name: 'reg:5000/app:2', pushedAtMs: 2000 },
        { reference: parseImageReference('reg:5000/app:3'), name: 'reg:5000/app:3', pushedAtMs: 3000 },
      ];
      const { images: pushed, warnings } = await resolvePushes(plan, inspect, notAsked);
      assert.deepEqual(pushed, [
        {
          digest: D1,
          registry: 'reg:5000',
          repository: 'app',
          tag: '1',
          imageId: ID1,
          os: 'linux',
          architecture: 'amd64',
          created: '2026-11-28T17:00:00.123Z',
          labels: { 'org.opencontainers.image.source': 'https://x.test/r' },
          pushedAt: '1970-01-01T00:00:01.000Z',
          origin: 'docker-events',
        },
      ]);
      assert.deepEqual(
        warnings.map((w) => w.code),
        ['digest-not-found', 'image-gone'],
      );
    });

    const promoted: InspectedImage = { id: ID1, repoDigests: [`reg:5000/app@${D1}`, `reg:5000/app@${D2}`] };
    const promotion = [{ reference: parseImageReference('reg:5000/app:1.0'), name: 'reg:5000/app:1.0', pushedAtMs: 1000, imageId: ID1 }];

    it('reports the digest the registry serves for the pushed tag when the image holds two in the repository (a promotion), without a warning', async function () {
      const registry = registryAnswering({ '1.0': D2 });
      const { images: pushed, warnings } = await resolvePushes(promotion, () => Promise.resolve(promoted), registry.lookup);
      assert.deepEqual(
        pushed.map((p) => [p.tag, p.digest]),
        [['1.0', D2]],
      );
      assert.deepEqual(warnings, []);
      assert.deepEqual(registry.asked, ['reg:5000/app:1.0']);
    });

    it('keeps the first digest with a warning naming why when the registry cannot settle a promotion', async function () {
      const registry = registryAnswering({});
      const { images: pushed, warnings } = await resolvePushes(promotion, () => Promise.resolve(promoted), registry.lookup);
      assert.deepEqual(
        pushed.map((p) => p.digest),
        [D1],
      );
      assert.deepEqual(
        warnings.map((w) => w.code),
        ['digest-ambiguous'],
      );
      assert.match(warnings[0]?.message ?? '', /reg:5000\/app:1\.0: .*2 digests.*the registry answered 503/);
    });

    const podmanPlan = [
      { reference: parseImageReference('reg:5000/app:1'), name: 'reg:5000/app:1', pushedAtMs: 1000, imageId: ID1, askRegistry: true },
    ];
    const podmanImage: InspectedImage = { id: ID1, repoDigests: [`reg:5000/app@${D1}`], os: 'linux' };

    it("reports a Podman push with the registry's digest, not the engine's", async function () {
      const registry = registryAnswering({ '1': D2 });
      const { images: pushed, warnings } = await resolvePushes(podmanPlan, () => Promise.resolve(podmanImage), registry.lookup);
      assert.deepEqual(
        pushed.map((p) => [p.tag, p.digest, p.imageId]),
        [['1', D2, ID1]],
      );
      assert.deepEqual(warnings, []);
    });

    it('leaves a Podman push out with a warning naming the image when the registry cannot give its digest', async function () {
      const registry = registryAnswering({});
      const { images: pushed, warnings } = await resolvePushes(podmanPlan, () => Promise.resolve(podmanImage), registry.lookup);
      assert.deepEqual(pushed, []);
      assert.deepEqual(
        warnings.map((w) => w.code),
        ['digest-not-established'],
      );
      assert.match(warnings[0]?.message ?? '', /reg:5000\/app:1 \(image sha256:aaaa.*\).*the registry answered 503/);
    });
  });
});
