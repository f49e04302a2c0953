/** Valid GitHub Actions reports (version 2) for tests, and the runner environment of the job that sent them. */
import { computeGitHubIdempotencyKey } from '../../../common/idempotency';
import type { GitHubReport, GitHubRun, GitHubRunner } from '../../../common/githubReport';
import type { PushedImage } from '../../../common/report';
import { digestOf, image } from './reports';

/** Past 2^31, as github.com's run ids are now. */
export const GITHUB_RUN_ID = 22_259_804_324;
export const GITHUB_OWNER = 'contoso';
export const GITHUB_OWNER_ID = '2020';
export const GITHUB_REPOSITORY_ID = '424242';
export const GITHUB_SHA = 'c040cae0f0dc81641728557b80f09cfa23b83fe5';

/** What a test may change about a GitHub report. */
export interface GitHubReportOverrides {
  github?: Partial<GitHubRun>;
  runner?: GitHubRunner;
  images?: PushedImage[];
}

/** Run 22259804324 (attempt 1) of the "CI" workflow of contoso/shop, job `build`, pushing one image; a correct key. */
export function makeGitHubReport(overrides: GitHubReportOverrides = {}): GitHubReport {
  const github: GitHubRun = {
    serverUrl: 'https://github.com',
    owner: GITHUB_OWNER,
    ownerId: GITHUB_OWNER_ID,
    repository: `${GITHUB_OWNER}/shop`,
    repositoryId: GITHUB_REPOSITORY_ID,
    workflow: 'CI',
    workflowRef: `${GITHUB_OWNER}/shop/.github/workflows/ci.yml@refs/heads/main`,
    runId: GITHUB_RUN_ID,
    runNumber: 42,
    runAttempt: 1,
    job: 'build',
    sha: GITHUB_SHA,
    ref: 'refs/heads/main',
    eventName: 'push',
    ...overrides.github,
  };
  return {
    schemaVersion: 2,
    provider: 'github',
    idempotencyKey: computeGitHubIdempotencyKey(github),
    collector: { name: 'container-mapping-action', version: '1.0.0' },
    github,
    runner: overrides.runner ?? { name: 'GitHub Actions 2', os: 'Linux', environment: 'github-hosted' },
    window: { since: '2026-03-01T09:59:00.000Z', until: '2026-03-01T10:01:00.000Z', sinceSource: 'pre-step' },
    images: overrides.images ?? [image({ digest: digestOf('github-shop'), repository: 'contoso/shop' })],
    warnings: [],
  };
}

/** The runner environment of the job that sent `report` (what the stand-in's claims are read from). */
export function runnerEnvironmentOf(report: GitHubReport): Record<string, string> {
  const g = report.github;
  return {
    GITHUB_SERVER_URL: g.serverUrl,
    GITHUB_REPOSITORY: g.repository,
    GITHUB_REPOSITORY_ID: g.repositoryId,
    GITHUB_REPOSITORY_OWNER: g.owner,
    GITHUB_REPOSITORY_OWNER_ID: g.ownerId,
    GITHUB_RUN_ID: String(g.runId),
    GITHUB_RUN_NUMBER: String(g.runNumber),
    GITHUB_RUN_ATTEMPT: String(g.runAttempt),
    GITHUB_SHA: g.sha,
    GITHUB_REF: g.ref ?? '',
    GITHUB_WORKFLOW: g.workflow,
    GITHUB_WORKFLOW_REF: g.workflowRef,
    GITHUB_EVENT_NAME: g.eventName ?? '',
    GITHUB_ACTOR: 'octocat',
    RUNNER_ENVIRONMENT: report.runner.environment ?? '',
  };
}
