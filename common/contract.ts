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
