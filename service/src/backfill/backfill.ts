/**
 * Backfill: ingest the reports that the task attached to runs when it could not reach the
 * service, exactly as if they had been sent live. Idempotent, because ingestion is.
 */
import { normalizeOrganizationUrl } from '../../../common/idempotency';
import type { Report } from '../../../common/report';
import type { ReportAttachment, ReportAttachmentSource } from './attachmentSource';

/** What validating one attachment's text gave. */
export type ParsedReport = { ok: true; report: Report } | { ok: false; error: string };

/** What ingesting one report did. */
export type IngestResult = 'created' | 'replaced' | 'unchanged';

/** What a backfill did, for the CLI and the scheduled mode to print. */
export interface BackfillSummary {
  runsScanned: number;
  reportsFound: number;
  created: number;
  replaced: number;
  unchanged: number;
  rejected: Array<{ runId: number; name: string; reason: string }>;
  /** The newest run time seen: where the next scheduled backfill may start. */
  latestRunTime?: Date;
}

/** What {@link runBackfill} needs. */
export interface BackfillOptions {
  source: ReportAttachmentSource;
  since: Date;
  /** Validates an attachment's text against the report schema. */
  parse(text: string): ParsedReport;
  /** Stores one report, as the live ingestion route would. */
  ingest(report: Report): Promise<IngestResult>;
  /** One line per notable event (rejections); optional. */
  log?(line: string): void;
}

/**
 * A report attached to a run may speak only for that run: the same rule the service holds
 * OIDC tokens to. Returns the reason it does not, or `undefined` when it does.
 */
export function mismatchWithRun(report: Report, attachment: ReportAttachment, organizationUrl: string): string | undefined {
  const p = report.pipeline;
  if (p.hub !== 'build') return `report is for hub "${p.hub}", attachment is on a build`;
  if (p.runId !== attachment.run.id) return `report names run ${p.runId}, attachment is on run ${attachment.run.id}`;
  if (normalizeOrganizationUrl(p.organizationUrl) !== normalizeOrganizationUrl(organizationUrl)) {
    return `report names organisation ${p.organizationUrl}, backfill reads ${organizationUrl}`;
  }
  if (attachment.run.projectId && p.projectId.toLowerCase() !== attachment.run.projectId.toLowerCase()) {
    return `report names project ${p.projectId}, run belongs to project ${attachment.run.projectId}`;
  }
  return undefined;
}

/** Scans runs since `since` and ingests every valid report attachment found. */
export async function runBackfill(options: BackfillOptions): Promise<BackfillSummary> {
  const summary: BackfillSummary = { runsScanned: 0, reportsFound: 0, created: 0, replaced: 0, unchanged: 0, rejected: [] };
  const reject = (attachment: ReportAttachment, reason: string) => {
    summary.rejected.push({ runId: attachment.run.id, name: attachment.name, reason });
    options.log?.(`rejected ${attachment.name} on run ${attachment.run.number} (${attachment.run.id}): ${reason}`);
  };
  for await (const run of options.source.listRuns(options.since)) {
    summary.runsScanned++;
    if (!summary.latestRunTime || run.time > summary.latestRunTime) summary.latestRunTime = run.time;
    for await (const attachment of options.source.listReports(run)) {
      summary.reportsFound++;
      const parsed = options.parse(attachment.text);
      if (!parsed.ok) {
        reject(attachment, parsed.error);
        continue;
      }
      const mismatch = mismatchWithRun(parsed.report, attachment, options.source.organizationUrl);
      if (mismatch) {
        reject(attachment, mismatch);
        continue;
      }
      summary[await options.ingest(parsed.report)]++;
    }
  }
  return summary;
}
