/** Who sent a request, once their credentials have been verified. */
import type { ResolvedOrganization, StaticTokenConfig } from '../config';
import type { AzureDevOpsPipelineClaims } from './azureDevOpsClaims';
import type { GitHubClaims } from './githubClaims';
import type { ResolvedGitHubOwner } from './githubOwners';

/** A pipeline job, proven by an Azure DevOps OIDC token. May ingest for its own run only. */
export interface PipelinePrincipal {
  kind: 'pipeline';
  organization: ResolvedOrganization;
  claims: AzureDevOpsPipelineClaims;
}

/** A GitHub Actions job, proven by GitHub's OIDC token. May ingest for its own repository, run and attempt only. */
export interface GitHubPrincipal {
  kind: 'github';
  owner: ResolvedGitHubOwner;
  claims: GitHubClaims;
}

/** The holder of a configured static token. */
export interface TokenPrincipal {
  kind: 'token';
  token: StaticTokenConfig;
}

/**
 * What the Azure DevOps build an attachment is filed under says about itself, as its Builds
 * API answer gives it (azure-devops-node-api interfaces/BuildInterfaces.d.ts, `Build`:
 * `id`, `project`, `definition`, `repository`, `sourceVersion`, `sourceBranch`). Every field but
 * the id may be missing from an answer; the authorization rule decides what a gap means.
 */
export interface AttachedBuild {
  /** Build id: the report's `pipeline.runId`. */
  id: number;
  /** `project.id`. */
  projectId?: string;
  /** `project.name`. */
  projectName?: string;
  /** `definition.id`. */
  definitionId?: number;
  /** `definition.name`. */
  definitionName?: string;
  /** `repository.id`, `.name`, `.url`. */
  repository?: { id?: string; name?: string; url?: string };
  /** The commit built. */
  sourceVersion?: string;
  /** The ref built, e.g. `refs/heads/main`. */
  sourceBranch?: string;
}

/**
 * A report found attached to a build by backfill: it may speak only for that build, read with
 * the operator's credentials from the organisation and project the backfill was pointed at.
 */
export interface AttachmentPrincipal {
  kind: 'attachment';
  /** The organisation the backfill reads (`--organization`, or a `backfillSources` entry). */
  organizationUrl: string;
  /** The project as the backfill was given it (name or id): for the label kept with the report. */
  project: string;
  /** The build the attachment is filed under. */
  run: AttachedBuild;
}

/**
 * What GitHub's REST API says of a workflow run whose artifact held a report (`GET
 * /repos/{owner}/{repo}/actions/runs/{run_id}`: `id`, `run_number`, `run_attempt` (the latest),
 * `event`, `head_sha`, `repository.id`, `.full_name`, `.owner.login`, `.owner.id`), read with the
 * operator's token by `backfill --github`.
 */
export interface GitHubArtifactRun {
  /** GITHUB_SERVER_URL of the server the API belongs to, without a trailing slash. */
  serverUrl: string;
  owner: string;
  ownerId: string;
  /** `owner/name`. */
  repository: string;
  repositoryId: string;
  runId: number;
  runNumber: number;
  /** The run's latest attempt: a report may come from it or an earlier one. */
  latestAttempt: number;
  event: string;
  headSha: string;
}

/** A report found in a workflow artifact by `backfill --github`: it may speak only for the run that holds the artifact. */
export interface GitHubArtifactPrincipal {
  kind: 'github-artifact';
  run: GitHubArtifactRun;
}

/** No credentials (allowed only for reads, and only when configured open). */
export interface AnonymousPrincipal {
  kind: 'anonymous';
}

export type Principal =
  PipelinePrincipal | GitHubPrincipal | TokenPrincipal | AttachmentPrincipal | GitHubArtifactPrincipal | AnonymousPrincipal;

/** A short label kept with each report and safe to log: never a token. */
export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case 'pipeline':
      return `oidc:${principal.organization.id}:run ${principal.claims.run_id}`;
    case 'github':
      return `github-oidc:${principal.claims.repository}:run ${principal.claims.run_id}`;
    case 'token':
      return `token:${principal.token.name}`;
    case 'attachment':
      return `backfill:${principal.project}`;
    case 'github-artifact':
      return `backfill-github:${principal.run.repository}:run ${principal.run.runId}`;
    case 'anonymous':
      return 'anonymous';
  }
}
