/**
 * How a GitHub Actions report (version 2) is kept: whole in `report_json`, and its run in the
 * run columns every query already reads (migration 009), so that every answer, filter, read
 * scope and the ambiguity rule treat GitHub runs as they treat Azure DevOps runs:
 *
 * | run column | GitHub |
 * | --- | --- |
 * | organisation URL / name | the owner's URL `{server}/{owner}` / the owner's login |
 * | project id / name | `repositoryId` / `repository` (`owner/name`) |
 * | hub / pipeline id / name | `build` / 0 (tokens carry no workflow id) / `workflow` |
 * | run id / number / URL | `runId` / `runNumber` / `{server}/{owner}/{repo}/actions/runs/{runId}/attempts/{runAttempt}` |
 * | job id / name / attempt | `job` / `jobName` / `runAttempt` |
 * | source provider, URL, name, id, commit, branch | `github`, `{server}/{repository}`, `repository`, `repositoryId`, `sha`, `ref` |
 * | agent name / os / self-hosted | the runner's |
 *
 * and in columns of their own: the server URL, the owner's id, `workflowRef`, the runner
 * environment and the event.
 */
import { gitHubOwnerUrl, type GitHubReport } from '../../../common/githubReport';
import type { Report } from '../../../common/report';
import { gitHubRunUrl } from './rows';
import type { GitHubRunColumns } from './store';

/** The GitHub report as the run columns hold it, and what they do not. */
export function projectGitHubReport(sent: GitHubReport): { report: Report; github: GitHubRunColumns } {
  const g = sent.github;
  const serverUrl = g.serverUrl.replace(/\/+$/, '');
  const report: Report = {
    schemaVersion: 1,
    idempotencyKey: sent.idempotencyKey,
    collector: sent.collector,
    pipeline: {
      organizationUrl: gitHubOwnerUrl(serverUrl, g.owner),
      projectId: g.repositoryId,
      projectName: g.repository,
      hub: 'build',
      definitionId: 0,
      definitionName: g.workflow,
      runId: g.runId,
      runNumber: String(g.runNumber),
      runUrl: gitHubRunUrl(serverUrl, g.repository, g.runId, g.runAttempt),
      jobId: g.job,
      ...(g.jobName !== undefined ? { jobName: g.jobName } : {}),
      jobAttempt: g.runAttempt,
    },
    source: {
      provider: 'github',
      url: `${serverUrl}/${g.repository}`,
      name: g.repository,
      id: g.repositoryId,
      commit: g.sha,
      ...(g.ref !== undefined ? { branch: g.ref } : {}),
    },
    agent: {
      ...(sent.runner.name !== undefined ? { name: sent.runner.name } : {}),
      ...(sent.runner.os !== undefined ? { os: sent.runner.os } : {}),
      ...(sent.runner.environment !== undefined ? { selfHosted: sent.runner.environment === 'self-hosted' } : {}),
    },
    // No column holds the window: report_json keeps it as sent.
    window: { since: sent.window.since, until: sent.window.until, sinceSource: 'timeline' },
    images: sent.images,
    warnings: sent.warnings,
  };
  return {
    report,
    github: {
      serverUrl,
      ownerId: g.ownerId,
      workflowRef: g.workflowRef,
      ...(sent.runner.environment !== undefined ? { runnerEnvironment: sent.runner.environment } : {}),
      ...(g.eventName !== undefined ? { eventName: g.eventName } : {}),
    },
  };
}
