/**
 * How an undelivered report is attached to the run, for the service's backfill to collect
 * through the build attachments API. Only build runs (build and YAML pipelines) are: backfill
 * reads build attachments, and a classic release's attachments live elsewhere (the Release
 * attachments API on the release host), which it does not read, so a release job's report is
 * not attached at all and the log says where it is instead.
 */

/** One name per job attempt, so a re-run never overwrites an earlier attempt's report. */
export function attachmentName(jobId: string, jobAttempt: number): string {
  return `containerMapping-${jobId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}-${jobAttempt}.json`;
}

/** Whether backfill collects an attachment of a report of this hub: builds yes, classic releases no. */
export function backfillCollects(hub: 'build' | 'release'): boolean {
  return hub === 'build';
}

/** The largest report a release job prints into its log: a few hundred images. */
export const MAX_LOGGED_REPORT_BYTES = 64 * 1024;
