/**
 * Builds the GitHub Actions report (schema version 2, common/githubReport.ts) from the run and
 * what was found. Pure.
 */
import type { GitHubReport, GitHubRun, GitHubRunner } from '../../common/githubReport';
import type { PushedImage, ReportCollector, ReportWarning } from '../../common/report';
import { GITHUB_REPORT_SCHEMA_VERSION } from '../../common/contract';
import { computeGitHubIdempotencyKey } from '../../common/idempotency';
import { withinReportLimits } from '../../collector/report';

/** The collector's name in every report the action sends. */
export const ACTION_NAME = 'container-mapping-action';

/** What goes into a report besides the run. */
export interface GitHubReportParts {
  collector: ReportCollector;
  window: GitHubReport['window'];
  images: PushedImage[];
  warnings: ReportWarning[];
}

/** Builds the report; the schema's limits are kept (the first 1,000 images, 100 warnings). */
export function buildGitHubReport(run: GitHubRun, runner: GitHubRunner, parts: GitHubReportParts): GitHubReport {
  const { images, warnings } = withinReportLimits(parts);
  return {
    schemaVersion: GITHUB_REPORT_SCHEMA_VERSION,
    provider: 'github',
    idempotencyKey: computeGitHubIdempotencyKey(run),
    collector: parts.collector,
    github: run,
    runner,
    window: parts.window,
    images,
    warnings,
  };
}
