/**
 * The explorer questions' wire format (issue 10): `GET /api/v1/exposed` and `GET /api/v1/coverage`.
 * Every field the store answers with is named here: Fastify drops the fields a response schema
 * does not name, so a field missing here would silently vanish from the answer.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PageQuerySchema } from './images';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Strings = Type.Array(Type.String());
const Ports = Type.Array(Type.Integer());
const Named = Type.Object({ namespace: Type.String(), name: Type.String() });

/** Every path that exposes a workload, as the cluster snapshot kept it. */
export const ExposurePathSchema = Type.Union([
  Type.Object({ exposure: Type.Literal('internet'), via: Type.Literal('LoadBalancer'), service: Type.String(), ports: Ports }),
  Type.Object({
    exposure: Type.Literal('internet'),
    via: Type.Literal('Ingress'),
    ingress: Type.String(),
    service: Type.String(),
    host: Nullable(Type.String()),
    path: Nullable(Type.String()),
  }),
  Type.Object({
    exposure: Type.Literal('internet'),
    via: Type.Literal('HTTPRoute'),
    gateway: Named,
    route: Named,
    service: Type.String(),
    hostnames: Strings,
    paths: Strings,
  }),
  Type.Object({ exposure: Type.Literal('node'), via: Type.Literal('NodePort'), service: Type.String(), nodePorts: Ports }),
  Type.Object({ exposure: Type.Literal('node'), via: Type.Literal('hostPort'), container: Type.String(), hostPorts: Ports }),
  Type.Object({ exposure: Type.Literal('node'), via: Type.Literal('hostNetwork') }),
]);

/** A normalised severity, highest first. */
export const SeveritySchema = Type.Union(['critical', 'high', 'medium', 'low', 'negligible', 'unknown'].map((s) => Type.Literal(s)));

const Count = Type.Integer({ minimum: 0 });
/** Merged findings of an image, by severity. */
export const SeverityCountsSchema = Type.Object({
  critical: Count,
  high: Count,
  medium: Count,
  low: Count,
  negligible: Count,
  unknown: Count,
});

/** Which scanner run said it, and when. */
export const ScanSourceSchema = Type.Object({
  format: Type.Union([Type.Literal('trivy'), Type.Literal('grype'), Type.Literal('trivy-operator')]),
  scanner: Type.String(),
  scannerVersion: Nullable(Type.String()),
  scannedAt: Nullable(Type.String()),
});

/** One scanner's report of one vulnerability: who said it, and when. */
const OccurrenceSchema = Type.Object({
  source: ScanSourceSchema,
  vulnerabilityId: Type.String(),
  severity: SeveritySchema,
  packageName: Type.String(),
  installedVersion: Type.String(),
  fixedVersion: Nullable(Type.String()),
  scannedDigest: Type.Optional(
    Type.String({
      description: "the digest the scanner named: the row's own, or one related to it (see `relatedDigests`)",
    }),
  ),
});

/** A digest matched to a row's digest through an index ↔ platform manifest relation. */
export const RelatedDigestSchema = Type.Object({
  digest: Type.String(),
  relation: Type.Union([Type.Literal('platform'), Type.Literal('index')], {
    description: "`platform`: one of the row's index's platform manifests; `index`: an index that lists the row's digest",
  }),
  platform: Nullable(Type.Object({ os: Type.String(), architecture: Type.String(), variant: Nullable(Type.String()) })),
  sources: Type.Array(Type.Union([Type.Literal('report'), Type.Literal('scan'), Type.Literal('registry')]), {
    description: 'who said so: a pipeline report, a scanner document, the registry',
  }),
});

/** One vulnerability on one image, however many scanners reported it. */
export const MergedFindingSchema = Type.Object({
  digest: Type.String(),
  vulnerabilityId: Type.String(),
  aliases: Strings,
  advisories: Strings,
  severity: SeveritySchema,
  fixable: Type.Boolean(),
  occurrences: Type.Array(OccurrenceSchema),
});

/**
 * The rows of "exposed and vulnerable". `runs` holds `ImagePush` by reference (see `shared.ts`),
 * passed in so that this file does not depend on the order shared schemas are added in.
 */
export function exposedPageSchema(imagePush: TSchema) {
  return Type.Object({
    items: Type.Array(
      Type.Object({
        cluster: Type.String(),
        snapshotTakenAt: Type.String({ format: 'date-time', description: 'when the snapshot that said it was taken (read at its source)' }),
        snapshotImportedAt: Type.String({ format: 'date-time', description: 'when the service stored that snapshot' }),
        snapshotSource: Type.String({ description: '`import` (through the API) or `sync` (the scheduled sync inside the service)' }),
        snapshotImportedBy: Nullable(
          Type.String({ description: '`token:<name>` or `scheduled-sync:<API server>`; null: stored before this was recorded' }),
        ),
        namespace: Type.String(),
        workloadKind: Type.String(),
        workloadName: Type.String(),
        exposure: Type.Array(ExposurePathSchema),
        digest: Type.String(),
        references: Strings,
        counts: SeverityCountsSchema,
        topFindings: Type.Array(MergedFindingSchema, { description: 'the qualifying findings, most severe first, at most 5' }),
        runs: Type.Array(imagePush, {
          description: 'every push of the digest and of its related digests (each push names its digest), newest first; empty: unmapped',
        }),
        relatedDigests: Type.Array(RelatedDigestSchema, {
          description: "digests whose findings and runs count as this image's: its platform manifests, or the indexes listing it",
        }),
      }),
    ),
    nextCursor: Nullable(Type.String()),
  });
}

/**
 * "Pushed by" conditions: an image qualifies when a run the reader may see pushed it (or an image related to it)
 * from this repository, organisation and project, within the time range. Shared by the exposed and by-source routes.
 */
export const PushedByQuery = {
  repository: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'pushed by a run of this source repository: URL, id, or a name its senders vouched for',
    }),
  ),
  organization: Type.Optional(
    Type.String({ minLength: 1, maxLength: 2000, description: 'pushed by a run of this organisation: name or URL' }),
  ),
  project: Type.Optional(
    Type.String({ minLength: 1, maxLength: 2000, description: 'pushed by a run of this project: id, or a name its senders vouched for' }),
  ),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'pushed at or after this instant (RFC 3339)' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'pushed at or before this instant (RFC 3339)' })),
};

/** `GET /api/v1/exposed` query string. */
export const ExposedQuerySchema = Type.Object(
  {
    minSeverity: Type.Union(
      ['critical', 'high', 'medium', 'low'].map((s) => Type.Literal(s)),
      { description: 'an image qualifies with a finding at or above this severity' },
    ),
    cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    fixable: Type.Optional(Type.Boolean({ description: 'only findings with a known fixed version qualify' })),
    ...PushedByQuery,
    ...PageQuerySchema.properties,
  },
  { additionalProperties: false },
);

/** `GET /api/v1/coverage` query string. */
export const CoverageQuerySchema = Type.Object(
  {
    cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    unmapped: Type.Optional(Type.Boolean({ description: 'also list, per namespace, the unmapped digests and the workloads running them' })),
  },
  { additionalProperties: false },
);

/** A digest running in a namespace that no run (the reader may see) pushed. */
export const UnmappedImageSchema = Type.Object({
  digest: Type.String(),
  references: Type.Array(Type.String(), { description: 'image references as the pods wrote them' }),
  workloads: Type.Array(Type.Object({ kind: Type.String(), name: Type.String() })),
});

/** Running images per cluster and namespace, mapped to a run or not. */
export const CoverageSchema = Type.Array(
  Type.Object({
    cluster: Type.String(),
    namespace: Type.String(),
    images: Count,
    mapped: Count,
    unmapped: Count,
    unresolved: Count,
    unmappedImages: Type.Optional(
      Type.Array(UnmappedImageSchema, { description: 'with unmapped=true: the digests counted in unmapped, by digest' }),
    ),
  }),
);

export type ExposedQuery = Static<typeof ExposedQuerySchema>;
