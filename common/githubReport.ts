/**
 * The GitHub Actions report: what the container-mapping action sends after a job, schema
 * version 2, beside the Azure DevOps report (version 1, `report.ts`), which is unchanged.
 *
 * The images, the collector, the warnings are the version-1 shapes; what differs is the run:
 * GitHub's own identifiers, named as the runner gives them to a job (GITHUB_SERVER_URL,
 * GITHUB_REPOSITORY_OWNER(_ID), GITHUB_REPOSITORY(_ID), GITHUB_WORKFLOW, GITHUB_WORKFLOW_REF,
 * GITHUB_RUN_ID, GITHUB_RUN_NUMBER, GITHUB_RUN_ATTEMPT, GITHUB_JOB, GITHUB_SHA, GITHUB_REF,
 * RUNNER_NAME, RUNNER_OS, RUNNER_ENVIRONMENT) and as its OIDC token carries them (claims
 * `repository_owner`, `repository_owner_id`, `repository`, `repository_id`, `workflow`,
 * `workflow_ref`, `run_id`, `run_number`, `run_attempt`, `sha`, `ref`, `runner_environment`:
 * docs.github.com "OpenID Connect reference", OIDC token claims).
 */
import { Type, type Static } from '@sinclair/typebox';
import { GITHUB_REPORT_SCHEMA_VERSION } from './contract';
import { CollectorSchema, PushedImageSchema, ReportWarningSchema } from './report';

export { GITHUB_REPORT_ARTIFACT, GITHUB_REPORT_ARTIFACT_FILE, GITHUB_REPORT_SCHEMA_VERSION } from './contract';

const Text = (maxLength: number, extra: Record<string, unknown> = {}) => Type.String({ minLength: 1, maxLength, ...extra });

/** GitHub's ids (repository, owner) as its tokens carry them: decimal text. */
const NumericId = Text(20, { pattern: '^[1-9][0-9]{0,19}$' });

/**
 * Run ids are past 2^31 on github.com (its REST API types them `integer`, int64); a JSON
 * number is exact up to 2^53 − 1, which both stores hold (PostgreSQL `bigint` since migration 009).
 */
export const MAX_GITHUB_RUN_ID = Number.MAX_SAFE_INTEGER;

const DateTime = Type.String({ format: 'date-time', maxLength: 64 });

/** The run, job and runner, as GitHub names them. */
export const GitHubRunSchema = Type.Object(
  {
    /** GITHUB_SERVER_URL: https://github.com, https://HOST (Enterprise Server), https://SUBDOMAIN.ghe.com. */
    serverUrl: Text(500, { format: 'uri', pattern: '^https?://[^/?#@]+/?$' }),
    /** GITHUB_REPOSITORY_OWNER: the organisation or user. */
    owner: Text(100, { pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' }),
    ownerId: NumericId,
    /** GITHUB_REPOSITORY: `owner/name`. */
    repository: Text(200, { pattern: '^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$' }),
    repositoryId: NumericId,
    /** GITHUB_WORKFLOW: the workflow's name (its file path when it has none). */
    workflow: Text(500),
    /** GITHUB_WORKFLOW_REF: `owner/repo/.github/workflows/file.yml@refs/heads/main`. */
    workflowRef: Text(1000),
    runId: Type.Integer({ minimum: 1, maximum: MAX_GITHUB_RUN_ID }),
    runNumber: Type.Integer({ minimum: 1, maximum: MAX_GITHUB_RUN_ID }),
    runAttempt: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    /**
     * The job within the run, unique among its jobs: GITHUB_JOB (the job's key in the workflow),
     * and for a matrix job the action adds its matrix values, `build (linux, 20)`, since every
     * leg of a matrix shares GITHUB_JOB. Part of the idempotency key.
     */
    job: Text(500),
    /** The job's display name, when the action knows it. */
    jobName: Type.Optional(Text(500)),
    /** GITHUB_SHA. */
    sha: Text(64, { pattern: '^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$' }),
    /** GITHUB_REF: `refs/heads/main`, `refs/pull/7/merge`, `refs/tags/v1`. */
    ref: Type.Optional(Text(1000)),
    /** GITHUB_EVENT_NAME: push, pull_request, workflow_dispatch… */
    eventName: Type.Optional(Text(100)),
  },
  { additionalProperties: false },
);

/** The runner the job ran on. */
export const GitHubRunnerSchema = Type.Object(
  {
    /** RUNNER_NAME. */
    name: Type.Optional(Text(500)),
    /** RUNNER_OS: Linux, Windows, macOS. */
    os: Type.Optional(Text(100)),
    /** RUNNER_ENVIRONMENT (and the token's `runner_environment`). */
    environment: Type.Optional(Type.Union([Type.Literal('github-hosted'), Type.Literal('self-hosted')])),
  },
  { additionalProperties: false },
);

/** The window of the job the action watched. */
export const GitHubWindowSchema = Type.Object(
  {
    since: DateTime,
    until: DateTime,
    /**
     * Where `since` came from: the action's `pre` step (run at the job's start); `main-step` when
     * no `pre` ran (an action in the workflow's own repository, `uses: ./…`, gets none) and the
     * step's main run started the window; `job-start`, the job's start as the runner says it.
     */
    sinceSource: Type.Union([Type.Literal('pre-step'), Type.Literal('main-step'), Type.Literal('job-start')]),
  },
  { additionalProperties: false },
);

export const GitHubReportSchema = Type.Object(
  {
    schemaVersion: Type.Literal(GITHUB_REPORT_SCHEMA_VERSION),
    provider: Type.Literal('github'),
    /** `computeGitHubIdempotencyKey` of server, repository id, run, job and attempt (`idempotency.ts`). */
    idempotencyKey: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    collector: CollectorSchema,
    github: GitHubRunSchema,
    runner: GitHubRunnerSchema,
    window: GitHubWindowSchema,
    images: Type.Array(PushedImageSchema, { maxItems: 1000 }),
    warnings: Type.Array(ReportWarningSchema, { maxItems: 100 }),
  },
  { additionalProperties: false, $id: 'GitHubReport' },
);

export type GitHubReport = Static<typeof GitHubReportSchema>;
export type GitHubRun = Static<typeof GitHubRunSchema>;
export type GitHubRunner = Static<typeof GitHubRunnerSchema>;

/**
 * `https://github.com/contoso`: the owner's address (lowercase), which the service keeps as a GitHub
 * run's organisation URL and a static token is bound to.
 */
export function gitHubOwnerUrl(serverUrl: string, owner: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/${owner}`.toLowerCase();
}
