/**
 * Index ↔ platform manifest relations (issue 10): what a report, a Grype document and a registry manifest
 * say, read by the pure cores; how a digest finds the digests related to it; the registry's challenge.
 */
import assert from 'node:assert/strict';
import { relationsFromReport } from '../../service/src/explorer/platforms/fromReport';
import { readManifest } from '../../service/src/explorer/platforms/manifest';
import { relatedDigests, type PlatformRelation } from '../../service/src/explorer/platforms/relation';
import { parseChallenge } from '../../service/src/explorer/registry/challenge';
import { isLoopback, registryBaseUrl } from '../../service/src/explorer/registry/config';
import { parseScannerDocument } from '../../service/src/explorer/vulnerabilities/parse';
import { validateReport } from '../../service/src/validation';
import { ConfigError, loadConfig } from '../../service/src/config';
import { describeRelated } from '../../service/src/cli/exposedRows';
import { ProblemError } from '../../service/src/errors';
import { digestOf, image, makeReport } from '../service/support/reports';
import { loadFixture, WEB_API } from './vulnerabilityFixtures';

const INDEX = digestOf('index');
const AMD64 = digestOf('amd64');
const ARM64 = digestOf('arm64');

describe('Index and platform manifests', () => {
  describe('from a report', () => {
    it('relates an index to each platform manifest it lists, with the platform', () => {
      const relations = relationsFromReport(
        [
          {
            digest: INDEX,
            platforms: [
              { digest: AMD64, os: 'linux', architecture: 'amd64' },
              { digest: ARM64, os: 'linux', architecture: 'arm64', variant: 'v8' },
            ],
          },
        ],
        'report 3',
      );
      assert.deepEqual(relations, [
        {
          indexDigest: INDEX,
          platformDigest: AMD64,
          platform: { os: 'linux', architecture: 'amd64', variant: null },
          source: 'report',
          evidence: 'report 3',
        },
        {
          indexDigest: INDEX,
          platformDigest: ARM64,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          source: 'report',
          evidence: 'report 3',
        },
      ]);
    });

    it('relates a platform manifest to the index it names, with the platform the engine inspected', () => {
      const relations = relationsFromReport([{ digest: ARM64, indexDigest: INDEX, os: 'linux', architecture: 'arm64' }], 'report 4');
      assert.deepEqual(relations, [
        {
          indexDigest: INDEX,
          platformDigest: ARM64,
          platform: { os: 'linux', architecture: 'arm64', variant: null },
          source: 'report',
          evidence: 'report 4',
        },
      ]);
    });

    it('states no relation for an image that names neither (every report before this field)', () => {
      assert.deepEqual(relationsFromReport([{ digest: INDEX }], 'report 5'), []);
    });

    it('accepts a report with platforms and indexDigest, and one without them', () => {
      const withPlatforms = makeReport({
        images: [
          image({ digest: INDEX, platforms: [{ digest: AMD64, os: 'linux', architecture: 'amd64' }] }),
          image({ digest: ARM64, indexDigest: INDEX }),
        ],
      });
      assert.equal(validateReport(withPlatforms), withPlatforms);
      assert.ok(validateReport(makeReport()));
    });

    for (const [what, images, pointer] of [
      [
        'an index listing itself',
        [image({ digest: INDEX, platforms: [{ digest: INDEX, os: 'linux', architecture: 'amd64' }] })],
        '/images/0/platforms/0/digest',
      ],
      [
        'a platform listed twice',
        [
          image({
            digest: INDEX,
            platforms: [
              { digest: AMD64, os: 'linux', architecture: 'amd64' },
              { digest: AMD64, os: 'linux', architecture: 'arm64' },
            ],
          }),
        ],
        '/images/0/platforms/1/digest',
      ],
      ['a manifest naming itself as its index', [image({ digest: INDEX, indexDigest: INDEX })], '/images/0/indexDigest'],
      [
        'a platform digest that is no digest',
        [image({ digest: INDEX, platforms: [{ digest: 'sha256:abc', os: 'linux', architecture: 'amd64' }] })],
        '/images/0/platforms/0/digest',
      ],
      ['an empty platforms list', [image({ digest: INDEX, platforms: [] })], '/images/0/platforms'],
      [
        'an architecture with a space',
        [image({ digest: INDEX, platforms: [{ digest: AMD64, os: 'linux', architecture: 'amd 64' }] })],
        '/images/0/platforms/0/architecture',
      ],
    ] as const) {
      it(`refuses ${what}, naming ${pointer}`, () => {
        const report = makeReport({ images: [...images] as never });
        assert.throws(
          () => validateReport(report),
          (err: unknown) => err instanceof ProblemError && JSON.stringify(err.toProblem()).includes(`"${pointer}"`),
        );
      });
    }

    it('refuses more platforms than an index may list here', () => {
      const platforms = Array.from({ length: 65 }, (_, i) => ({ digest: digestOf(`p${i}`), os: 'linux', architecture: `arch${i}` }));
      assert.throws(() => validateReport(makeReport({ images: [image({ digest: INDEX, platforms })] })), ProblemError);
    });
  });

  describe('related digests', () => {
    const relations: PlatformRelation[] = [
      {
        indexDigest: INDEX,
        platformDigest: AMD64,
        platform: { os: 'linux', architecture: 'amd64', variant: null },
        source: 'report',
        evidence: 'report 1',
      },
      { indexDigest: INDEX, platformDigest: AMD64, platform: null, source: 'registry', evidence: 'registry r/x' },
      {
        indexDigest: INDEX,
        platformDigest: ARM64,
        platform: { os: 'linux', architecture: 'arm64', variant: null },
        source: 'scan',
        evidence: 'grype',
      },
    ];

    it('gives an index its platform manifests, each once with every source', () => {
      assert.deepEqual(
        relatedDigests(INDEX, relations),
        [
          {
            digest: AMD64,
            relation: 'platform',
            platform: { os: 'linux', architecture: 'amd64', variant: null },
            sources: ['registry', 'report'],
          },
          { digest: ARM64, relation: 'platform', platform: { os: 'linux', architecture: 'arm64', variant: null }, sources: ['scan'] },
        ].sort((a, b) => a.digest.localeCompare(b.digest)),
      );
    });

    it('gives a platform manifest its index, and not its sibling platform manifests', () => {
      assert.deepEqual(relatedDigests(ARM64, relations), [
        { digest: INDEX, relation: 'index', platform: { os: 'linux', architecture: 'arm64', variant: null }, sources: ['scan'] },
      ]);
    });
  });

  describe('from a Grype document', () => {
    /** The fixture as Grype writes it for a multi-platform image: repoDigests name the index, manifestDigest the platform manifest it read. */
    function grypeOfIndex(mediaType: string | undefined): Record<string, unknown> {
      const document = loadFixture('grype-web-api.json');
      const target = (document['source'] as { target: Record<string, unknown> }).target;
      target['repoDigests'] = [`127.0.0.1:5000/demo/web-api@${INDEX}`];
      target['manifestDigest'] = WEB_API;
      if (mediaType === undefined) delete target['mediaType'];
      else target['mediaType'] = mediaType;
      return document;
    }

    it('links the index in repoDigests to the platform manifest Grype read, with its platform', () => {
      const parsed = parseScannerDocument(grypeOfIndex('application/vnd.docker.distribution.manifest.v2+json'));
      assert.deepEqual(parsed.indexLinks, [
        { indexDigest: INDEX, platformDigest: WEB_API, platform: { os: 'linux', architecture: 'amd64', variant: null } },
      ]);
      assert.deepEqual(parsed.scans.map((s) => s.digest).sort(), [INDEX, WEB_API].sort());
    });

    it('links nothing for a single-platform image (both digests the same), or without the media type', () => {
      assert.deepEqual(parseScannerDocument(loadFixture('grype-web-api.json')).indexLinks, []);
      assert.deepEqual(parseScannerDocument(grypeOfIndex(undefined)).indexLinks, []);
    });

    it('links nothing from Trivy JSON and Trivy Operator reports, which name one kind of digest', () => {
      assert.deepEqual(parseScannerDocument(loadFixture('trivy-web-api.json')).indexLinks, []);
      assert.deepEqual(parseScannerDocument(loadFixture('trivy-operator-list.json')).indexLinks, []);
    });
  });

  describe('from a registry manifest', () => {
    it('reads an OCI index: platform manifests with their platform, attestation manifests left out', () => {
      const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: AMD64,
            size: 1,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: ARM64,
            size: 1,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          },
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: digestOf('attestation'),
            size: 1,
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': AMD64 },
            platform: { os: 'unknown', architecture: 'unknown' },
          },
        ],
      };
      assert.deepEqual(readManifest(index, null), {
        kind: 'index',
        platforms: [
          { digest: AMD64, platform: { os: 'linux', architecture: 'amd64', variant: null } },
          { digest: ARM64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ],
      });
    });

    it('reads a Docker manifest list by its Content-Type when the document has no mediaType', () => {
      const list = { schemaVersion: 2, manifests: [{ digest: AMD64, platform: { os: 'linux', architecture: 'amd64' } }] };
      assert.equal(readManifest(list, 'application/vnd.docker.distribution.manifest.list.v2+json').kind, 'index');
    });

    it('tells a single-platform manifest, and refuses anything else with its media type', () => {
      assert.deepEqual(readManifest({ mediaType: 'application/vnd.docker.distribution.manifest.v2+json' }, null), { kind: 'manifest' });
      assert.throws(() => readManifest({ mediaType: 'text/html' }, null), /unexpected manifest media type "text\/html"/);
      assert.throws(() => readManifest([], null), /not a JSON object/);
    });
  });

  describe('the registry', () => {
    it('reads a Bearer challenge: realm, service and scope', () => {
      assert.deepEqual(
        parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/web:pull"'),
        {
          scheme: 'bearer',
          realm: 'https://auth.example.com/token',
          service: 'registry.example.com',
          scope: 'repository:team/web:pull',
        },
      );
      assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic' });
      assert.equal(parseChallenge('Bearer service="x"'), null, 'no realm: nowhere to ask');
      assert.equal(parseChallenge('Negotiate'), null);
      assert.equal(parseChallenge(null), null);
    });

    it('speaks HTTPS unless the registry is on loopback or marked insecure; Docker Hub on its API host', () => {
      assert.equal(registryBaseUrl({ host: 'registry.contoso.com' }), 'https://registry.contoso.com');
      assert.equal(registryBaseUrl({ host: 'registry.contoso.com', insecure: true }), 'http://registry.contoso.com');
      assert.equal(registryBaseUrl({ host: '127.0.0.1:5000' }), 'http://127.0.0.1:5000');
      assert.equal(registryBaseUrl({ host: 'docker.io' }), 'https://registry-1.docker.io');
      assert.equal(isLoopback('127.0.0.1.example.com'), false);
    });

    it('reads CM_REGISTRIES, off by default, and refuses a user name without a password variable or a host twice', () => {
      assert.deepEqual(loadConfig({ env: {} }).registries, []);
      const env = { CM_REGISTRIES: '[{"host": "registry.contoso.com", "username": "reader", "passwordEnv": "CM_REGISTRY_PASSWORD"}]' };
      assert.deepEqual(loadConfig({ env }).registries, [
        { host: 'registry.contoso.com', username: 'reader', passwordEnv: 'CM_REGISTRY_PASSWORD' },
      ]);
      assert.throws(
        () => loadConfig({ env: { CM_REGISTRIES: '[{"host": "r.example", "username": "reader"}]' } }),
        /registries\.0: username and passwordEnv go together/,
      );
      assert.throws(() => loadConfig({ env: { CM_REGISTRIES: '[{"host": "r.example"}, {"host": "r.example"}]' } }), /configured twice/);
      assert.throws(() => loadConfig({ env: { CM_REGISTRIES: '[{"host": "https://r.example"}]' } }), ConfigError, 'a host, not a URL');
      assert.throws(
        () => loadConfig({ env: { CM_REGISTRIES: '[{"host": "r.example", "password": "inline"}]' } }),
        ConfigError,
        'no secret in the config',
      );
    });
  });

  describe('query exposed', () => {
    it('prints a related digest with its relation, platform and sources', () => {
      assert.equal(
        describeRelated({
          digest: ARM64,
          relation: 'platform',
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
          sources: ['registry', 'report'],
        }),
        `platform linux/arm/v7 ${ARM64} (registry, report)`,
      );
      assert.equal(describeRelated({ digest: INDEX, relation: 'index', platform: null, sources: ['scan'] }), `index ${INDEX} (scan)`);
    });
  });
});
