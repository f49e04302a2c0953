/**
 * From BuildKit build-history records to report images (buildkitHistory.ts), and the collection's
 * BuildKit step (buildkitCollection.ts) with the history reader stubbed. The records are shaped as
 * Docker 28.5.2 returned them here (containerd store: the exporter's result is the pushed OCI index;
 * classic store: it is the image config, and buildx pushes through the engine).
 */
import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import type { PushedImage } from '../../common/report';
import { platformsOfIndex, pushesFromHistory } from '../../collector/buildkitHistory';
import { HISTORY_COMPLETE, HISTORY_STARTED, type HistoryEvent, type HistoryRecord } from '../../collector/buildkitProto';
import {
  collectBuildHistory,
  HISTORY_FILTER_MARGIN_MS,
  mergeImages,
  unresolvedWarnings,
  type HistoryOutcome,
} from '../../collector/buildkitCollection';
import type { EngineEvent } from '../../collector/events';
import { buildSigns, mayKeepBuildHistory } from '../../collector/buildkitSigns';
import { nothingToReport, type EngineLook } from '../../collector/firstLook';
import type { DockerEndpoint } from '../../collector/dockerHost';

const SINCE = Date.parse('2026-11-28T10:00:00.000Z');
const UNTIL = Date.parse('2026-11-28T10:30:00.000Z');
const INDEX = `sha256:${'8b'.repeat(32)}`;
const CONFIG = `sha256:${'de'.repeat(32)}`;
const PROVENANCE = `sha256:${'03'.repeat(32)}`;
const AMD64 = `sha256:${'a6'.repeat(32)}`;
const ARM64 = `sha256:${'a7'.repeat(32)}`;
const ATTESTATION = `sha256:${'a8'.repeat(32)}`;
/** An index as BuildKit pushes it: platform manifests and attestation manifests (`unknown/unknown`). */
function indexBlob(entries: Array<{ digest: string; platform: Record<string, string> }>): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: entries.map((e) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 476, ...e })),
    }),
  );
}
const INDEX_BLOB = indexBlob([
  { digest: AMD64, platform: { os: 'linux', architecture: 'amd64' } },
  { digest: ATTESTATION, platform: { os: 'unknown', architecture: 'unknown' } },
]);
const ENDPOINT: DockerEndpoint = { kind: 'unix', socketPath: '/var/run/docker.sock', display: 'unix:///var/run/docker.sock' };

function record(
  overrides: Partial<HistoryRecord> = {},
  mediaType = 'application/vnd.oci.image.index.v1+json',
  digest = INDEX,
): HistoryRecord {
  return {
    ref: 'build-1',
    exporters: [
      { type: 'image', attrs: { name: '127.0.0.1:5000/shop/app:1,127.0.0.1:5000/shop/app:latest', push: 'true', unpack: 'true' } },
    ],
    createdAtMs: SINCE + 60_000,
    completedAtMs: SINCE + 65_000,
    exporterResponse: {},
    result: {
      attestations: [
        {
          mediaType: 'application/vnd.in-toto+json',
          digest: PROVENANCE,
          size: 6502,
          annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
        },
      ],
      results: { 0: { mediaType, digest, size: 855, annotations: {} } },
    },
    results: {},
    ...overrides,
  };
}
const complete = (r: HistoryRecord): HistoryEvent => ({ type: HISTORY_COMPLETE, record: r });

describe('BuildKit build history → pushed images', function () {
  it("reports every name a pushing image exporter wrote, with the exporter's manifest digest and the build's provenance digest", function () {
    const { images, unresolved, warnings } = pushesFromHistory([complete(record())], SINCE, UNTIL);
    assert.deepEqual(unresolved, []);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      images,
      ['1', 'latest'].map((tag) => ({
        digest: INDEX,
        registry: '127.0.0.1:5000',
        repository: 'shop/app',
        tag,
        pushedAt: '2026-11-28T10:01:05.000Z',
        origin: 'buildkit-history',
        provenanceDigest: PROVENANCE,
      })),
    );
  });

  it('normalises Docker Hub names as the other sources do', function () {
    const r = record({ exporters: [{ type: 'image', attrs: { name: 'nginx:1', push: 'true' } }] });
    const [image] = pushesFromHistory([complete(r)], SINCE, UNTIL).images;
    assert.equal(image?.registry, 'docker.io');
    assert.equal(image?.repository, 'library/nginx');
  });

  it('leaves out builds that did not push, failed, are still running, or finished outside the window', function () {
    const cases: HistoryEvent[] = [
      complete(record({ ref: 'no-push', exporters: [{ type: 'image', attrs: { name: '127.0.0.1:5000/shop/app:1', push: 'false' } }] })),
      complete(record({ ref: 'local', exporters: [{ type: 'local', attrs: { dest: '/out' } }] })),
      complete(record({ ref: 'failed', errorCode: 2, errorMessage: 'push failed' })),
      { type: HISTORY_STARTED, record: record({ ref: 'running', completedAtMs: undefined }) },
      complete(record({ ref: 'before', completedAtMs: SINCE - 1 })),
      complete(record({ ref: 'after', completedAtMs: UNTIL + 1 })),
    ];
    const result = pushesFromHistory(cases, SINCE, UNTIL);
    assert.deepEqual(result.images, []);
    assert.deepEqual(result.unresolved, []);
  });

  it('names a push whose result is the image config (the classic store) as unresolved, not as a digest', function () {
    const r = record({}, 'application/vnd.docker.container.image.v1+json', CONFIG);
    const result = pushesFromHistory([complete(r)], SINCE, UNTIL);
    assert.deepEqual(result.images, []);
    assert.deepEqual(result.unresolved, [
      { name: '127.0.0.1:5000/shop/app:1', reason: "the build's result is application/vnd.docker.container.image.v1+json" },
      { name: '127.0.0.1:5000/shop/app:latest', reason: "the build's result is application/vnd.docker.container.image.v1+json" },
    ]);
  });

  it("takes each exporter's own result by its index, and a multi-platform build's provenance from its per-platform results", function () {
    const r = record({
      exporters: [
        { type: 'local', attrs: { dest: '/out' } },
        { type: 'image', attrs: { name: '127.0.0.1:5000/shop/app:2', push: '1' } },
      ],
      result: {
        attestations: [],
        results: { 1: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: INDEX, size: 1, annotations: {} } },
      },
      results: {
        'linux/amd64': {
          attestations: [
            {
              mediaType: 'application/vnd.in-toto+json',
              digest: PROVENANCE,
              size: 1,
              annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v1' },
            },
          ],
          results: {},
        },
      },
    });
    assert.deepEqual(
      pushesFromHistory([complete(r)], SINCE, UNTIL).images.map((i) => [i.tag, i.digest, i.provenanceDigest]),
      [['2', INDEX, PROVENANCE]],
    );
  });

  it("lists an index's platform manifests without its attestations, each with its platform's provenance digest", function () {
    const statement = (digest: string) => ({
      mediaType: 'application/vnd.in-toto+json',
      digest,
      size: 1,
      annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
    });
    const r = record({
      result: {
        attestations: [],
        results: { 0: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: INDEX, size: 1, annotations: {} } },
      },
      results: {
        'linux/amd64': { attestations: [statement(PROVENANCE)], results: {} },
        'linux/arm/v7': { attestations: [statement(CONFIG)], results: {} },
      },
    });
    const pushes = pushesFromHistory([complete(r)], SINCE, UNTIL);
    // Two platforms, two statements: none of them is the index's own.
    assert.equal(pushes.images[0]?.provenanceDigest, undefined);
    assert.deepEqual([...pushes.indexes.keys()], [INDEX]);
    const blob = indexBlob([
      { digest: AMD64, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: ARM64, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { digest: ATTESTATION, platform: { os: 'unknown', architecture: 'unknown' } },
    ]);
    assert.deepEqual(platformsOfIndex(blob, r), [
      { digest: AMD64, os: 'linux', architecture: 'amd64', provenanceDigest: PROVENANCE },
      { digest: ARM64, os: 'linux', architecture: 'arm', variant: 'v7', provenanceDigest: CONFIG },
    ]);
    assert.equal(platformsOfIndex(Buffer.from('not json'), r), undefined);
    assert.equal(platformsOfIndex(Buffer.from('{"manifests":[]}'), r), undefined);
  });

  it('warns about a name that is not an image reference and keeps the others', function () {
    const r = record({ exporters: [{ type: 'image', attrs: { name: 'UPPER/Case:1,127.0.0.1:5000/shop/app:3', push: 'true' } }] });
    const result = pushesFromHistory([complete(r)], SINCE, UNTIL);
    assert.deepEqual(
      result.images.map((i) => i.tag),
      ['3'],
    );
    assert.match(result.warnings[0]?.message ?? '', /"UPPER\/Case:1" is not an image reference/);
  });
});

describe('The collection’s BuildKit step', function () {
  const at = (ms: number) => ms * 1e6;
  const tagEvent: EngineEvent = {
    type: 'image',
    action: 'tag',
    actorId: INDEX,
    attributes: { name: '127.0.0.1:5000/shop/app:1' },
    timeNano: at(SINCE + 64_000),
  };
  const builderEvent: EngineEvent = {
    type: 'container',
    action: 'exec_start: buildctl dial-stdio',
    actorId: 'c0ffee',
    attributes: { name: 'buildx_buildkit_ci0' },
    timeNano: at(SINCE + 10_000),
  };

  it('does not ask BuildKit when the window shows no build', async function () {
    const read = sinon.stub().resolves({ ok: true, events: [], contents: new Map() } satisfies HistoryOutcome);
    const pull: EngineEvent = { type: 'image', action: 'pull', actorId: 'x', attributes: {}, timeNano: at(SINCE + 1) };
    const result = await collectBuildHistory([pull], { sinceMs: SINCE, untilMs: UNTIL }, ENDPOINT, UNTIL, read);
    sinon.assert.notCalled(read);
    assert.deepEqual(result, { images: [], unresolved: [], warnings: [] });
  });

  it("asks BuildKit after an image was created or tagged in the window, and reports the history's pushes", async function () {
    const events = [complete(record())];
    const read = sinon.stub().resolves({ ok: true, events, contents: new Map([[INDEX, INDEX_BLOB]]) } satisfies HistoryOutcome);
    const result = await collectBuildHistory([tagEvent], { sinceMs: SINCE, untilMs: UNTIL }, ENDPOINT, UNTIL - 1, read);
    // Only the builds completed since a minute before the window's start, where BuildKit can filter its history.
    sinon.assert.calledOnceWithExactly(read, ENDPOINT, UNTIL - 1, sinon.match.func, SINCE - HISTORY_FILTER_MARGIN_MS);
    // It asks for the pushed index, whose platforms it then reports.
    assert.deepEqual((read.firstCall.args[2] as (e: HistoryEvent[]) => string[])(events), [INDEX]);
    assert.deepEqual(
      result.images.map((i) => [i.tag, i.platforms?.map((p) => p.digest)]),
      [
        ['1', [AMD64]],
        ['latest', [AMD64]],
      ],
    );
    assert.deepEqual(result.warnings, []);
  });

  it("warns when a pushed index's platform manifests could not be read", async function () {
    const read = sinon.stub().resolves({ ok: true, events: [complete(record())], contents: new Map() } satisfies HistoryOutcome);
    const result = await collectBuildHistory([tagEvent], { sinceMs: SINCE, untilMs: UNTIL }, ENDPOINT, UNTIL, read);
    assert.equal(result.images.length, 2);
    assert.deepEqual(
      result.warnings.map((w) => w.code),
      ['buildkit-index-unread', 'buildkit-index-unread'],
    );
  });

  it('stays silent when the engine has no history to give (Docker 20.10, Podman), and warns when it could not be read', async function () {
    const unsupported = sinon
      .stub()
      .resolves({ ok: false, reason: 'BuildKit answered unimplemented', unsupported: true } satisfies HistoryOutcome);
    assert.deepEqual(
      (await collectBuildHistory([tagEvent], { sinceMs: SINCE, untilMs: UNTIL }, ENDPOINT, UNTIL, unsupported)).warnings,
      [],
    );
    const broken = sinon
      .stub()
      .resolves({ ok: false, reason: 'BuildKit did not list its build history in time', unsupported: false } satisfies HistoryOutcome);
    const { warnings } = await collectBuildHistory([tagEvent], { sinceMs: SINCE, untilMs: UNTIL }, ENDPOINT, UNTIL, broken);
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['buildkit-history-unavailable'],
    );
    assert.match(warnings[0]?.message ?? '', /did not list its build history in time/);
  });

  it('does not ask an engine older than the build history (Docker 20.10, Podman: API 1.41) after a build, and asks one that says nothing or 1.42 and later', async function () {
    const read = sinon
      .stub()
      .resolves({ ok: true, events: [complete(record())], contents: new Map([[INDEX, INDEX_BLOB]]) } satisfies HistoryOutcome);
    const window = { sinceMs: SINCE, untilMs: UNTIL };
    const old = await collectBuildHistory([tagEvent], window, ENDPOINT, UNTIL, read, false, '1.41');
    sinon.assert.notCalled(read);
    assert.deepEqual(old, { images: [], unresolved: [], warnings: [] });
    for (const version of [undefined, '1.42', '1.51', 'v1.44', 'unreadable']) {
      read.resetHistory();
      const result = await collectBuildHistory([tagEvent], window, ENDPOINT, UNTIL, read, false, version);
      sinon.assert.calledOnce(read);
      assert.equal(result.images.length, 2, `API ${version}`);
    }
    // A docker-container builder is named whatever the engine's version: its pushes are on its own BuildKit.
    const builder = await collectBuildHistory([builderEvent], window, ENDPOINT, UNTIL, read, false, '1.41');
    assert.deepEqual(
      builder.warnings.map((w) => w.code),
      ['buildkit-container-builder'],
    );
  });

  it('reads the signs of a build only on an engine that may keep a build history', function () {
    assert.deepEqual(buildSigns([tagEvent], SINCE, '1.41'), { engineBuild: false, containerBuilders: [] });
    assert.deepEqual(buildSigns([tagEvent], SINCE, '1.42'), { engineBuild: true, containerBuilders: [] });
    assert.deepEqual(buildSigns([tagEvent], SINCE), { engineBuild: true, containerBuilders: [] });
    assert.deepEqual(buildSigns([builderEvent], SINCE, '1.40').containerBuilders, ['buildx_buildkit_ci0']);
    assert.equal(mayKeepBuildHistory('1.41'), false);
    assert.equal(mayKeepBuildHistory('1.24'), false);
    assert.equal(mayKeepBuildHistory('1.42'), true);
    assert.equal(mayKeepBuildHistory('2.0'), true);
    assert.equal(mayKeepBuildHistory(''), true);
  });

  it('lets the first look end a build-only job on an engine that keeps no build history, and go on for one that may', function () {
    const look = (apiVersion: string | undefined, events: EngineEvent[]): EngineLook => ({
      endpoint: ENDPOINT,
      engine: apiVersion === undefined ? {} : { apiVersion },
      events,
      eventsRead: true,
      probeSinceMs: SINCE,
      untilMs: UNTIL,
      metadataFiles: [],
      deadlineMs: UNTIL + 30_000,
    });
    assert.equal(nothingToReport(look('1.41', [tagEvent])), 'Nothing to report: no image was pushed in this job.');
    assert.equal(nothingToReport(look('1.51', [tagEvent])), undefined);
    assert.equal(nothingToReport(look(undefined, [tagEvent])), undefined);
    assert.equal(nothingToReport(look('1.41', [builderEvent])), undefined, 'a docker-container builder is warned about');
  });

  it('names a docker-container builder seen in the window, whose pushes it cannot read', async function () {
    const read = sinon.stub().resolves({ ok: true, events: [], contents: new Map() } satisfies HistoryOutcome);
    const { warnings } = await collectBuildHistory([builderEvent, builderEvent], { sinceMs: SINCE, untilMs: UNTIL }, ENDPOINT, UNTIL, read);
    sinon.assert.notCalled(read);
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['buildkit-container-builder'],
    );
    const withMetadata = await collectBuildHistory([builderEvent], { sinceMs: SINCE, untilMs: UNTIL }, ENDPOINT, UNTIL, read, true);
    assert.deepEqual(withMetadata.warnings, [], 'the metadata files report its pushes');
    assert.match(warnings[0]?.message ?? '', /\(buildx_buildkit_ci0\);.*--metadata-file/);
  });

  it('merges sources without duplicating a name and digest, keeping the provenance digest', function () {
    const fromEvents: PushedImage = {
      digest: INDEX,
      registry: '127.0.0.1:5000',
      repository: 'shop/app',
      tag: '1',
      pushedAt: '2026-11-28T10:01:05.000Z',
      origin: 'docker-events',
      imageId: CONFIG,
    };
    const images = [fromEvents];
    const history = pushesFromHistory([complete(record())], SINCE, UNTIL).images;
    mergeImages(images, history);
    mergeImages(images, history);
    assert.deepEqual(
      images.map((i) => [i.tag, i.origin, i.provenanceDigest]),
      [
        ['1', 'docker-events', PROVENANCE],
        ['latest', 'buildkit-history', PROVENANCE],
      ],
    );
  });

  it('warns about an unresolved push only when no other source reported that name', function () {
    const unresolved = [
      { name: '127.0.0.1:5000/shop/app:1', reason: 'config' },
      { name: '127.0.0.1:5000/shop/app:2', reason: 'config' },
    ];
    const reported: PushedImage[] = [
      {
        digest: INDEX,
        registry: '127.0.0.1:5000',
        repository: 'shop/app',
        tag: '1',
        pushedAt: '2026-11-28T10:01:05.000Z',
        origin: 'docker-events',
      },
    ];
    const warnings = unresolvedWarnings(unresolved, reported);
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['buildkit-digest-unknown'],
    );
    assert.match(warnings[0]?.message ?? '', /^127\.0\.0\.1:5000\/shop\/app:2 was pushed by a BuildKit build/);
  });
});
