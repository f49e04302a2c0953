/**
 * The report's idempotency key: one job attempt of one run has exactly one report,
 * so retries and re-sends replace it rather than add another.
 */
import { createHash } from 'node:crypto';

/** The parts of a run that name one job attempt. */
export interface JobAttemptIdentity {
  organizationUrl: string;
  projectId: string;
  hub: 'build' | 'release';
  runId: number;
  jobId: string;
  jobAttempt: number;
}

/**
 * Normalises an organisation URL so that `https://dev.azure.com/Contoso` and
 * `https://dev.azure.com/contoso/` name the same organisation.
 */
export function normalizeOrganizationUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

/** Returns the key as 64 lowercase hex digits (SHA-256 of the identifying parts). */
export function computeIdempotencyKey(id: JobAttemptIdentity): string {
  const parts = [
    normalizeOrganizationUrl(id.organizationUrl),
    id.projectId.toLowerCase(),
    id.hub,
    String(id.runId),
    id.jobId.toLowerCase(),
    String(id.jobAttempt),
  ];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** The parts of a GitHub Actions run that name one job attempt (see `common/githubReport.ts`). */
export interface GitHubJobAttemptIdentity {
  serverUrl: string;
  repositoryId: string;
  runId: number;
  job: string;
  runAttempt: number;
}

/**
 * The key of a GitHub job attempt's report, 64 lowercase hex digits. Its first part,
 * `github`, keeps it apart from every Azure DevOps key (whose first part is a URL).
 */
export function computeGitHubIdempotencyKey(id: GitHubJobAttemptIdentity): string {
  const parts = [
    'github',
    normalizeOrganizationUrl(id.serverUrl),
    id.repositoryId,
    String(id.runId),
    id.job.toLowerCase(),
    String(id.runAttempt),
  ];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}
