/**
 * Ingestion, independent of HTTP: validate a report, hold it against the principal that
 * sent it, store it. The one way a report enters the store: the `POST /api/v1/reports` route
 * calls it for the token's principal, and backfill (`backfill` and the scheduled mode, through
 * `backfill/backfill.ts`) for an attachment principal, the build the attachment is filed under.
 */
import type { Report } from '../../common/report';
import { authorizeGitHubReport } from './auth/authorizeGitHubReport';
import { authorizeReport } from './auth/authorizeReport';
import { describePrincipal, type Principal } from './auth/principal';
import { forbidden, unauthenticated } from './errors';
import { projectGitHubReport } from './store/githubRun';
import type { IngestResult, Store } from './store/store';
import { isGitHubReportBody, validateGitHubReport, validateReport } from './validation';

/** What ingestion needs from the running service. */
export interface IngestDependencies {
  store: Store;
  ambiguityWindowMs: number;
}

/** What the caller learns about an ingested report. */
export interface IngestOutcome extends IngestResult {
  idempotencyKey: string;
}

/** @throws ProblemError 401/403 unless the principal may send reports at all. */
export function requireIngestScope(principal: Principal): void {
  if (
    principal.kind === 'pipeline' ||
    principal.kind === 'github' ||
    principal.kind === 'attachment' ||
    principal.kind === 'github-artifact'
  )
    return;
  if (principal.kind === 'token' && principal.token.scopes.includes('ingest')) return;
  if (principal.kind === 'anonymous')
    throw unauthenticated('sending reports needs an Azure DevOps or GitHub Actions OIDC token, or an ingest token');
  throw forbidden('this token may not send reports: it needs the ingest scope');
}

/**
 * Ingests one parsed (not yet validated) report for a verified principal.
 * @throws ProblemError 400 (invalid report), 401/403 (principal may not send it).
 */
export async function ingestReport(
  deps: IngestDependencies,
  principal: Principal,
  body: unknown,
  receivedAt: Date = new Date(),
): Promise<IngestOutcome> {
  requireIngestScope(principal);
  if (isGitHubReportBody(body)) {
    // Version 2, a GitHub Actions run: held against the principal as sent, stored as sent.
    const github = validateGitHubReport(body);
    const verifiedNames = authorizeGitHubReport(principal, github);
    const projected = projectGitHubReport(github);
    const result = await deps.store.ingest(projected.report, {
      principal: describePrincipal(principal),
      receivedAt,
      ambiguityWindowMs: deps.ambiguityWindowMs,
      verifiedNames,
      github: projected.github,
      reportJson: JSON.stringify(github),
    });
    return { ...result, idempotencyKey: github.idempotencyKey };
  }
  const sent: Report = validateReport(body);
  // What is stored is the report as sent, plus the repository fields it left out that the
  // principal's token carries; and only the names the principal vouches for are matchable.
  const { report, verifiedNames } = authorizeReport(principal, sent);
  const result = await deps.store.ingest(report, {
    principal: describePrincipal(principal),
    receivedAt,
    ambiguityWindowMs: deps.ambiguityWindowMs,
    verifiedNames,
  });
  return { ...result, idempotencyKey: report.idempotencyKey };
}
