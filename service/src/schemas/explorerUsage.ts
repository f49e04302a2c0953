/**
 * The wire format of what the explorer adds to an image (issue 10): where it runs and what
 * scanners found in it, in `GET /api/v1/images/{digest}` and in the by-source view
 * (`GET /api/v1/sources/images`). Every field the store answers with is named here: Fastify drops
 * the fields a response schema does not name.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_AZURE_DEVOPS_ID } from '../../../common/report';
import { ExposurePathSchema, MergedFindingSchema, PushedByQuery, ScanSourceSchema, SeverityCountsSchema } from './explorer';
import { ImageDetailSchema, PageQuerySchema } from './images';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Filter = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description }));

/** One workload (of a cluster's latest snapshot) that runs the image. */
export const RunningPlaceSchema = Type.Object({
  cluster: Type.String(),
  snapshotTakenAt: Type.String({ format: 'date-time', description: 'when the snapshot that said it was taken' }),
  namespace: Type.String(),
  workloadKind: Type.String(),
  workloadName: Type.String(),
  internetExposed: Type.Boolean({ description: 'some path exposes it to the internet (node paths do not count)' }),
  exposure: Type.Array(ExposurePathSchema),
  references: Type.Array(Type.String(), { description: 'image references as the pods wrote them' }),
});

/** An image's findings, merged across scanners (each vulnerability once). */
export const FindingsSummarySchema = Type.Object({
  counts: SeverityCountsSchema,
  topFindings: Type.Array(MergedFindingSchema, { description: 'the most severe, at most 5' }),
  scans: Type.Array(ScanSourceSchema, { description: 'each scanner run whose findings are stored (a clean scan stores none)' }),
});

/** `GET /api/v1/images/{digest}`: the pushes, and where the image runs and what was found in it. */
export const ImageDetailAnswerSchema = Type.Object(
  {
    ...ImageDetailSchema.properties,
    running: Type.Array(RunningPlaceSchema, { description: 'every workload running the digest; empty when none' }),
    findings: FindingsSummarySchema,
  },
  { $id: 'ImageDetail' },
);

/** The by-source view: a page of the images a source built, most recently pushed first. */
export function sourceImagePageSchema(imagePush: TSchema) {
  return Type.Object({
    items: Type.Array(
      Type.Object({
        digest: Type.String(),
        lastPushedAt: Type.String({ format: 'date-time' }),
        pushes: Type.Array(imagePush, { description: "the source's pushes of the digest, newest first" }),
        running: Type.Array(RunningPlaceSchema, { description: 'every workload running the digest; empty when none' }),
        findings: FindingsSummarySchema,
      }),
    ),
    nextCursor: Nullable(Type.String()),
  });
}

/** `GET /api/v1/sources/images` query string: a repository, a pipeline, or both. */
export const SourceQuerySchema = Type.Object(
  {
    repository: Filter('source repository URL or id, or a name its senders vouched for'),
    pipeline: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_AZURE_DEVOPS_ID, description: 'pipeline (definition) id' })),
    hub: Type.Optional(Type.Union([Type.Literal('build'), Type.Literal('release')], { description: 'with pipeline; default build' })),
    project: Filter('project id, or a name its senders vouched for'),
    organization: Filter('organisation name or URL'),
    since: PushedByQuery.since,
    until: PushedByQuery.until,
    ...PageQuerySchema.properties,
  },
  { additionalProperties: false },
);

export type ImageDetailAnswer = Static<typeof ImageDetailAnswerSchema>;
export type SourceQuery = Static<typeof SourceQuerySchema>;
