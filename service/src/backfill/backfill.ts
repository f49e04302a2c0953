/**
 * Backfill: ingest the reports that the task attached to runs when it could not reach the
 * service, exactly as if they had been sent live: each goes through `ingestReport` (the route's
 * validation, authorization and store) under an attachment principal, the build it is filed
 * under, so a report may speak only for that build. Idempotent, because ingestion is.
 */
import type { AttachmentPrincipal } from '../auth/principal';
import { ProblemError } from '../errors';
import { ingestReport } from '../ingest';
import type { IngestStatus, Store } from '../store/store';
import type { ReportAttachment, ReportAttachmentSource } from './attachmentSource';

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

/** Ingests one attachment's parsed JSON as sent by its build: {@link ingestReport} in production. */
export type IngestAttachment = (principal: AttachmentPrincipal, body: unknown) => Promise<{ status: IngestStatus }>;

/** What {@link runBackfill} needs. */
export interface BackfillOptions {
  source: ReportAttachmentSource;
  /** The project the source reads, as given (name or id): part of the label kept with each report. */
  project: string;
  since: Date;
  ingest: IngestAttachment;
  /** One line per notable event (rejections); optional. */
  log?(line: string): void;
}

/** What reading one attachment's text gave: the JSON, not yet validated, or why it is not JSON. */
export type ParsedAttachment = { ok: true; body: unknown } | { ok: false; error: string };

/** Parses an attachment's text; validation is `ingestReport`'s, as for the live route. */
export function parseReportText(text: string): ParsedAttachment {
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
}

/** A refusal as one line: an invalid report's detail, or each field the build does not vouch for. */
function describeRefusal(problem: ProblemError): string {
  if (problem.status !== 403 || problem.fields.length === 0) return problem.detail;
  return `not its build's: ${problem.fields.map((f) => `${f.pointer} ${f.detail}`).join('; ')}`;
}

/**
 * Scans runs since `since` and ingests every report attachment found. An attachment that is
 * not a valid report, or names anything its build does not, is rejected (counted and logged,
 * nothing stored); any other failure (the source, the store) ends the backfill.
 */
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
      const parsed = parseReportText(attachment.text);
      if (!parsed.ok) {
        reject(attachment, parsed.error);
        continue;
      }
      const { number: _number, time: _time, ...build } = attachment.run;
      const principal: AttachmentPrincipal = {
        kind: 'attachment',
        organizationUrl: options.source.organizationUrl,
        project: options.project,
        run: build,
      };
      try {
        summary[(await options.ingest(principal, parsed.body)).status]++;
      } catch (err) {
        // 4xx: this report may not be stored (invalid, or not its build's); the next may.
        if (err instanceof ProblemError && err.status < 500) reject(attachment, describeRefusal(err));
        else throw err;
      }
    }
  }
  return summary;
}

/** Backfills from `source` into `store` through {@link ingestReport}; what `backfill` and the scheduled mode share. */
export function backfillInto(
  store: Store,
  source: ReportAttachmentSource,
  since: Date,
  options: { ambiguityWindowMs: number; project: string; log?: (line: string) => void },
): Promise<BackfillSummary> {
  return runBackfill({
    source,
    project: options.project,
    since,
    ingest: (principal, body) => ingestReport({ store, ambiguityWindowMs: options.ambiguityWindowMs }, principal, body),
    ...(options.log ? { log: options.log } : {}),
  });
}

/** One line for people: what the backfill found and did. */
export function formatSummary(s: BackfillSummary): string {
  return (
    `scanned ${s.runsScanned} run${s.runsScanned === 1 ? '' : 's'}, found ${s.reportsFound} report${s.reportsFound === 1 ? '' : 's'}: ` +
    `${s.created} new, ${s.replaced} replaced, ${s.unchanged} unchanged, ${s.rejected.length} rejected`
  );
}

/**
 * Reads a start time: an ISO 8601 time, or a look-back such as `90m`, `36h` or `7d`.
 * @returns undefined for anything else.
 */
export function parseSince(text: string, now: Date = new Date()): Date | undefined {
  const lookBack = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (lookBack) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[lookBack[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(lookBack[1]) * unit);
  }
  const time = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(time.getTime())) return time;
  return undefined;
}
