/**
 * Builds the GitHub Actions report (schema version 2, common/githubReport.ts) from the run and
 * what was found. Pure.
 */
import type { GitHubReport, GitHubRun, GitHubRunner } from '../../common/githubReport';
import type { PushedImage, ReportCollector, ReportWarning } from '../../common/report';
import { GITHUB_REPORT_SCHEMA_VERSION } from '../../common/contract';
import { computeGitHubIdempotencyKey } from '../../common/idempotency';

/** The collector's name in every report the action sends. */
export const ACTION_NAME = 'container-mapping-action';

/** What goes into a report besides the run. */
export interface GitHubReportParts {
  collector: ReportCollector;
  window: GitHubReport['window'];
  images: PushedImage[];
  warnings: ReportWarning[];
}

const MAX_WARNINGS = 100;
const MAX_IMAGES = 1000;

/** Builds the report; the schema's limits are kept (the first 1,000 images, 100 warnings). */
export function buildGitHubReport(run: GitHubRun, runner: GitHubRunner, parts: GitHubReportParts): GitHubReport {
  const warnings = parts.warnings.slice(0, MAX_WARNINGS).map((w) => ({ code: w.code.slice(0, 100), message: w.message.slice(0, 2000) }));
  if (parts.images.length > MAX_IMAGES && warnings.length < MAX_WARNINGS) {
    warnings.push({
      code: 'images-truncated',
      message: `${parts.images.length} images were pushed; the first ${MAX_IMAGES} are reported.`,
    });
  }
  return {
    schemaVersion: GITHUB_REPORT_SCHEMA_VERSION,
    provider: 'github',
    idempotencyKey: computeGitHubIdempotencyKey(run),
    collector: parts.collector,
    github: run,
    runner,
    window: parts.window,
    images: parts.images.slice(0, MAX_IMAGES),
    warnings,
  };
}
