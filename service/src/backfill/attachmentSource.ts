/**
 * Where backfill finds reports that the task could not deliver: the `containerMappingReport`
 * attachments it left on pipeline runs. One small interface, built for real on Azure DevOps'
 * build attachments API in `azureDevOpsSource.ts`.
 */

import type { AttachedBuild } from '../auth/principal';

/**
 * A pipeline run that may carry report attachments, with what its build says of itself: the
 * reports attached to it may speak for nothing else.
 */
export interface RunRef extends AttachedBuild {
  /** The run's number, for messages. */
  number: string;
  /** When the run finished (or started, while it runs): the backfill's progress marker. */
  time: Date;
}

/** One attachment's content, with where it came from. */
export interface ReportAttachment {
  run: RunRef;
  name: string;
  /** The attachment's bytes as text (a report is JSON). */
  text: string;
}

/** Lists runs and their report attachments. */
export interface ReportAttachmentSource {
  /** The organisation's URL, as the reports name it (`https://dev.azure.com/contoso/`). */
  readonly organizationUrl: string;
  /** Runs of the project that finished at or after `since`, oldest first. */
  listRuns(since: Date): AsyncIterable<RunRef>;
  /** The report attachments of one run. */
  listReports(run: RunRef): AsyncIterable<ReportAttachment>;
}
