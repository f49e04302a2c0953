/**
 * How an undelivered report is attached to the run, for the service's backfill to collect
 * through the build attachments API.
 */

/** One name per job attempt, so a re-run never overwrites an earlier attempt's report. */
export function attachmentName(jobId: string, jobAttempt: number): string {
  return `containerMapping-${jobId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}-${jobAttempt}.json`;
}
