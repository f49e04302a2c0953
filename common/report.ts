/**
 * The report: what the injected task sends to the mapping service after a job.
 *
 * One TypeBox definition serves three purposes: the JSON Schema the service validates
 * against, the TypeScript type both sides compile with, and the OpenAPI document.
 * The task imports only the types from here (erased at build time), so it pays
 * nothing at run time for the schema; the constants it needs are in `contract.ts`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { REPORT_SCHEMA_VERSION } from './contract';

export { REPORT_ATTACHMENT_TYPE, REPORT_SCHEMA_VERSION, REPORTS_PATH } from './contract';

/** A manifest digest, normalised: `sha256:` and 64 lowercase hex digits. */
export const DigestSchema = Type.String({
  pattern: '^sha256:[0-9a-f]{64}$',
  description: 'Manifest digest: sha256: followed by 64 lowercase hex digits',
  examples: ['sha256:3f2a9c0e5b1d4a7f8e6c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e'],
});

/**
 * The largest id Azure DevOps gives a build, release, definition or attempt: they are `int32`
 * in its REST API (MicrosoftDocs/vsts-rest-api-specs, specification/build/7.1/build.json:
 * `Build.id`, `DefinitionReference.id`, `TimelineRecord.attempt`; specification/release/7.1/release.json:
 * `Release.id`, `ReleaseDefinitionShallowReference.id`, `DeploymentAttempt.attempt`). Both stores
 * hold these in 32-bit-or-wider integer columns, so the schema and the storage agree.
 */
export const MAX_AZURE_DEVOPS_ID = 2_147_483_647;

const Id = (minimum: number) => Type.Integer({ minimum, maximum: MAX_AZURE_DEVOPS_ID });

const Text = (maxLength: number, extra: Record<string, unknown> = {}) => Type.String({ minLength: 1, maxLength, ...extra });

/**
 * RFC 3339 date-time. The service reads it with `parseTimestamp` (`timestamp.ts`): a leap second
 * is the last millisecond of its minute, and an instant outside years 0000–9999 (UTC) is refused.
 */
const DateTime = Type.String({ format: 'date-time', maxLength: 64 });

export const CollectorSchema = Type.Object(
  {
    name: Text(100),
    version: Text(50),
    dockerServerVersion: Type.Optional(Text(100)),
    dockerApiVersion: Type.Optional(Text(20)),
  },
  { additionalProperties: false },
);

export const PipelineSchema = Type.Object(
  {
    /** e.g. https://dev.azure.com/contoso/ (System.CollectionUri). */
    organizationUrl: Text(500, { format: 'uri' }),
    projectId: Text(100),
    projectName: Text(300),
    /** System.HostType: `build` for build and YAML pipelines, `release` for classic releases. */
    hub: Type.Union([Type.Literal('build'), Type.Literal('release')]),
    definitionId: Id(0),
    definitionName: Text(500),
    /** Build.BuildId, or Release.ReleaseId for classic releases. */
    runId: Id(0),
    /** Build.BuildNumber, or Release.ReleaseName. */
    runNumber: Text(500),
    runUrl: Type.Optional(Text(2000, { format: 'uri' })),
    jobId: Text(100),
    jobName: Type.Optional(Text(500)),
    jobAttempt: Id(1),
    stage: Type.Optional(Text(500)),
    reason: Type.Optional(Text(100)),
  },
  { additionalProperties: false },
);

export const SourceSchema = Type.Object(
  {
    provider: Type.Optional(Text(100)),
    url: Type.Optional(Text(2000)),
    name: Type.Optional(Text(500)),
    id: Type.Optional(Text(200)),
    commit: Type.Optional(Text(200)),
    branch: Type.Optional(Text(1000)),
  },
  { additionalProperties: false },
);

export const AgentSchema = Type.Object(
  {
    name: Type.Optional(Text(500)),
    os: Type.Optional(Text(100)),
    selfHosted: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const WindowSchema = Type.Object(
  {
    since: DateTime,
    until: DateTime,
    /** Where `since` came from: the job's timeline record, or the pipeline's start time. */
    sinceSource: Type.Union([Type.Literal('timeline'), Type.Literal('pipelineStartTime')]),
  },
  { additionalProperties: false },
);

/**
 * Where the task learnt of the push: the engine's `push` events, a buildx metadata file, or
 * BuildKit's build history (`docker build --push` on Docker 28+, `docker-container` builders).
 */
export const ImageOriginSchema = Type.Union([
  Type.Literal('docker-events'),
  Type.Literal('buildx-metadata'),
  Type.Literal('buildkit-history'),
]);

/**
 * Most platforms one index may list here: an index of every platform a base image is built for
 * (linux amd64, arm64, arm/v6, arm/v7, 386, ppc64le, s390x, riscv64, windows builds…) stays far
 * below it, and its attestation manifests are not platforms (see `PushedImageSchema.platforms`).
 */
export const MAX_INDEX_PLATFORMS = 64;

/** A platform manifest an index lists (OCI image index `manifests[]`: `digest`, `platform.os`, `.architecture`, `.variant`). */
export const PlatformManifestSchema = Type.Object(
  {
    digest: DigestSchema,
    os: Text(50, { pattern: '^[a-z0-9._-]+$' }),
    architecture: Text(50, { pattern: '^[a-z0-9._-]+$' }),
    variant: Type.Optional(Text(50, { pattern: '^[a-z0-9._-]+$' })),
    /** BuildKit's SLSA provenance statement for this platform's build (see `PushedImageSchema.provenanceDigest`). */
    provenanceDigest: Type.Optional(DigestSchema),
  },
  { additionalProperties: false },
);

export const PushedImageSchema = Type.Object(
  {
    /** The registry manifest digest (what registries and Kubernetes show). */
    digest: DigestSchema,
    /** Normalised registry host, with port when it has one: `docker.io`, `localhost:5000`. */
    registry: Text(255),
    /** Normalised repository path: `library/nginx`, `team/web-api`. */
    repository: Text(255),
    /** The tag pushed; absent when the push was by digest only. */
    tag: Type.Optional(Text(128)),
    imageId: Type.Optional(DigestSchema),
    os: Type.Optional(Text(50)),
    architecture: Type.Optional(Text(50)),
    created: Type.Optional(DateTime),
    labels: Type.Optional(Type.Record(Type.String({ maxLength: 500 }), Type.String({ maxLength: 4000 }))),
    pushedAt: DateTime,
    origin: ImageOriginSchema,
    /**
     * When `digest` is a multi-platform index (OCI image index, Docker manifest list): the platform
     * manifests it lists, so that a workload or a scan naming one of them is matched to this push.
     * Attestation manifests (`unknown/unknown`) are left out. Optional: reports without it stay valid.
     */
    platforms: Type.Optional(Type.Array(PlatformManifestSchema, { minItems: 1, maxItems: MAX_INDEX_PLATFORMS })),
    /** When `digest` is a platform manifest pushed as part of an index: that index's digest. */
    indexDigest: Type.Optional(DigestSchema),
    /**
     * The digest of the SLSA provenance statement (in-toto JSON) BuildKit recorded for the build
     * that pushed this image, as its build history names it. Optional: only BuildKit builds have one.
     */
    provenanceDigest: Type.Optional(DigestSchema),
  },
  { additionalProperties: false },
);

export const ReportWarningSchema = Type.Object(
  {
    code: Text(100),
    message: Text(2000),
  },
  { additionalProperties: false },
);

export const ReportSchema = Type.Object(
  {
    schemaVersion: Type.Literal(REPORT_SCHEMA_VERSION),
    /** Derived from organisation, project, hub, run, job and attempt: see `idempotency.ts`. */
    idempotencyKey: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    collector: CollectorSchema,
    pipeline: PipelineSchema,
    source: SourceSchema,
    agent: AgentSchema,
    window: WindowSchema,
    images: Type.Array(PushedImageSchema, { maxItems: 1000 }),
    warnings: Type.Array(ReportWarningSchema, { maxItems: 100 }),
  },
  { additionalProperties: false, $id: 'Report' },
);

export type Report = Static<typeof ReportSchema>;
export type PushedImage = Static<typeof PushedImageSchema>;
export type ReportPipeline = Static<typeof PipelineSchema>;
export type ReportSource = Static<typeof SourceSchema>;
export type ReportAgent = Static<typeof AgentSchema>;
export type ReportWindow = Static<typeof WindowSchema>;
export type ReportWarning = Static<typeof ReportWarningSchema>;
export type ReportCollector = Static<typeof CollectorSchema>;
export type ImageOrigin = Static<typeof ImageOriginSchema>;
export type PlatformManifest = Static<typeof PlatformManifestSchema>;
