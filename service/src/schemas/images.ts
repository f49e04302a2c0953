/**
 * The query results' wire format: one TypeBox schema per shape, used for the TypeScript
 * types, the response documentation and the OpenAPI document.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** `exclusive`: one job pushed it; `ambiguous`: other jobs (of other runs or the same run) reported the same push (shared Docker daemon). */
export const AttributionSchema = Type.Union([Type.Literal('exclusive'), Type.Literal('ambiguous')]);

/**
 * A GitHub Actions run (provider `github`) in GitHub's own terms, with the links to the run
 * attempt and the commit. The same run is also in the push's organisation (the owner), project
 * (the repository), pipeline (the workflow; id 0), run, job and source fields.
 */
export const GitHubRunAnswerSchema = Type.Object({
  serverUrl: Type.String(),
  owner: Type.String(),
  ownerId: Type.String(),
  /** `owner/name`. */
  repository: Type.String(),
  repositoryId: Type.String(),
  workflow: Type.String(),
  workflowRef: Type.String(),
  runId: Type.Integer(),
  runNumber: Type.Integer(),
  runAttempt: Type.Integer(),
  job: Type.String(),
  runnerEnvironment: Nullable(Type.String()),
  eventName: Nullable(Type.String()),
  /** `{server}/{owner}/{repo}/actions/runs/{runId}/attempts/{runAttempt}` */
  runUrl: Type.String(),
  /** `{server}/{owner}/{repo}/commit/{sha}` */
  commitUrl: Nullable(Type.String()),
});

/** One push of one image by one job of one run: the unit every query answers with. */
export const ImagePushSchema = Type.Object(
  {
    digest: Type.String(),
    registry: Type.String(),
    repository: Type.String(),
    tag: Nullable(Type.String()),
    /** `registry/repository[:tag]@digest` */
    reference: Type.String(),
    pushedAt: Type.String({ format: 'date-time' }),
    origin: Type.String(),
    imageId: Nullable(Type.String()),
    os: Nullable(Type.String()),
    architecture: Nullable(Type.String()),
    attribution: AttributionSchema,
    /** Why the attribution is ambiguous; null when exclusive. */
    attributionReason: Nullable(Type.String()),
    organization: Type.Object({ url: Type.String(), name: Type.String() }),
    project: Type.Object({ id: Type.String(), name: Type.String() }),
    pipeline: Type.Object({ id: Type.Integer(), name: Type.String(), hub: Type.String() }),
    run: Type.Object({ id: Type.Integer(), number: Type.String(), url: Nullable(Type.String()) }),
    job: Type.Object({ id: Type.String(), name: Nullable(Type.String()), attempt: Type.Integer(), stage: Nullable(Type.String()) }),
    sourceRepository: Type.Object({
      provider: Nullable(Type.String()),
      url: Nullable(Type.String()),
      name: Nullable(Type.String()),
      id: Nullable(Type.String()),
    }),
    commit: Nullable(Type.String()),
    branch: Nullable(Type.String()),
    agent: Type.Object({ name: Nullable(Type.String()), os: Nullable(Type.String()), selfHosted: Nullable(Type.Boolean()) }),
    reportedAt: Type.String({ format: 'date-time' }),
    /** Where the run ran: `azure-devops` (reports of version 1) or `github` (version 2). */
    provider: Type.Union([Type.Literal('azure-devops'), Type.Literal('github')]),
    /** The GitHub run, for provider `github`; null otherwise. */
    github: Nullable(GitHubRunAnswerSchema),
  },
  { $id: 'ImagePush' },
);

/**
 * `ImagePush` by reference, so that the OpenAPI document defines it once. The schemas below that
 * use it compile only where `ImagePushSchema` is known by its `$id` (see `shared.ts`).
 */
const ImagePushRef = Type.Unsafe<Static<typeof ImagePushSchema>>(Type.Ref('ImagePush'));

/** Every name an image was pushed as. */
export const ImageReferenceSummarySchema = Type.Object({
  registry: Type.String(),
  repository: Type.String(),
  tag: Nullable(Type.String()),
  firstPushedAt: Type.String({ format: 'date-time' }),
  lastPushedAt: Type.String({ format: 'date-time' }),
});

/**
 * What the store knows of one image: its names and every push. `GET /api/v1/images/{digest}`
 * answers these fields and where the image runs (`ImageDetailAnswerSchema` in `explorerUsage.ts`).
 */
export const ImageDetailSchema = Type.Object({
  digest: Type.String(),
  /** `ambiguous` when any push of this image is. */
  attribution: AttributionSchema,
  references: Type.Array(ImageReferenceSummarySchema),
  pushes: Type.Array(ImagePushRef),
});

/** A page of pushes; pass `nextCursor` back as `cursor` for the next page (null: no more). */
export const ImagePushPageSchema = Type.Object(
  {
    items: Type.Array(ImagePushRef),
    nextCursor: Nullable(Type.String()),
  },
  { $id: 'ImagePushPage' },
);

/** Only runs of one provider; a GitHub run id (past 2^31) needs `provider=github` in `/api/v1/runs/{runId}`. */
const ProviderFilter = Type.Optional(
  Type.Union([Type.Literal('azure-devops'), Type.Literal('github')], { description: 'only runs of this provider: azure-devops or github' }),
);
const Filter = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description }));

/** Paging parameters every list takes. */
export const PageQuerySchema = Type.Object({
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});

/** `GET /api/v1/images` query string. */
export const ImageListQuerySchema = Type.Object(
  {
    registry: Filter('registry host, e.g. docker.io or localhost:5000'),
    repository: Filter('repository path, e.g. team/web-api'),
    tag: Filter('tag'),
    organization: Filter('organisation name or URL'),
    project: Filter('project id, or a name its senders vouched for'),
    pipeline: Filter('pipeline (definition) id, or a name its senders vouched for'),
    sourceRepository: Filter('source repository URL, or a name its senders vouched for'),
    commit: Filter('full commit SHA'),
    provider: ProviderFilter,
    since: Type.Optional(Type.String({ format: 'date-time', description: 'pushed at or after' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'pushed at or before' })),
    ...PageQuerySchema.properties,
  },
  { additionalProperties: false },
);

/** `GET /api/v1/runs/{runId}` query string. */
export const RunQuerySchema = Type.Object(
  {
    organization: Filter('organisation name or URL (run ids are unique per organisation)'),
    project: Filter('project id, or a name its senders vouched for'),
    hub: Type.Optional(Type.Union([Type.Literal('build'), Type.Literal('release')], { description: 'default build' })),
    provider: ProviderFilter,
    ...PageQuerySchema.properties,
  },
  { additionalProperties: false },
);

export type Attribution = Static<typeof AttributionSchema>;
export type ImagePush = Static<typeof ImagePushSchema>;
export type GitHubRunAnswer = Static<typeof GitHubRunAnswerSchema>;
export type ImageDetail = Static<typeof ImageDetailSchema>;
export type ImagePushPage = Static<typeof ImagePushPageSchema>;
export type ImageListQuery = Static<typeof ImageListQuerySchema>;
export type RunQuery = Static<typeof RunQuerySchema>;
