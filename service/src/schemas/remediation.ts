/** The remediation hand-off's wire format: `POST /api/v1/remediations`, its body and its answer. */
import { Type, type Static } from '@sinclair/typebox';

const Digest = Type.String({ pattern: '^sha256:[0-9a-fA-F]{64}$', description: 'the running image’s manifest digest' });

/** Which image to hand off, and at what severity. */
export const RemediationRequestSchema = Type.Object(
  {
    digest: Digest,
    minSeverity: Type.Union(
      ['critical', 'high', 'medium', 'low'].map((s) => Type.Literal(s)),
      {
        description: 'findings at or above this severity are listed; the image must have one',
      },
    ),
    cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'only rows of this cluster' })),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'only rows of this namespace' })),
    fixable: Type.Optional(Type.Boolean({ description: 'only findings with a fixed version count' })),
    dryRun: Type.Optional(Type.Boolean({ description: 'look for existing work items and draft the new ones; create nothing' })),
  },
  { additionalProperties: false },
);

/** One work item filed, found or (dry run) planned. */
export const RemediationItemSchema = Type.Object({
  status: Type.Union([Type.Literal('created'), Type.Literal('existing'), Type.Literal('planned')]),
  id: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.Union([Type.String(), Type.Null()], { description: 'the work item’s page in Azure Boards' }),
  title: Type.String(),
  workItemType: Type.String(),
  organizationUrl: Type.String(),
  project: Type.String(),
  sourceRepository: Type.String(),
  keyTag: Type.String({ description: 'the tag that marks the one open work item of (source repository, digest)' }),
});

/** The answer: one work item per source repository that built the image. */
export const RemediationResultSchema = Type.Object({
  digest: Type.String(),
  minSeverity: Type.String(),
  workItems: Type.Array(RemediationItemSchema),
});

export type RemediationRequestBody = Static<typeof RemediationRequestSchema>;
