/**
 * The names the task and the service must agree on besides the report's shape: where reports
 * are sent, the attachment type they wait under when they cannot be sent, and the wire
 * format's version.
 *
 * Constants only, and no imports: the task's bundles take these from here, and esbuild
 * inlines them without pulling in anything else (the schema in `report.ts` needs TypeBox,
 * which the task must not carry).
 */

/** The wire format's version. Bump it only with a new schema beside the old one. */
export const REPORT_SCHEMA_VERSION = 1;

/** Where the reports of one service live, relative to its base URL. */
export const REPORTS_PATH = '/api/v1/reports';

/** The attachment type the task uses when the report could not be delivered; backfill reads it. */
export const REPORT_ATTACHMENT_TYPE = 'containerMappingReport';

/** The wire format's version of a GitHub Actions report (`common/githubReport.ts`), beside version 1. */
export const GITHUB_REPORT_SCHEMA_VERSION = 2;

/**
 * The workflow artifact a GitHub Actions job keeps its report in when it could not send it:
 * one file, `GITHUB_REPORT_ARTIFACT_FILE`, holding the version-2 report as JSON.
 */
export const GITHUB_REPORT_ARTIFACT = 'container-mapping-report';

/** The one file inside `GITHUB_REPORT_ARTIFACT`. */
export const GITHUB_REPORT_ARTIFACT_FILE = 'container-mapping-report.json';
