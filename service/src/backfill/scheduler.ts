/**
 * The scheduled backfill of `serve` (off by default): every N minutes, for each configured
 * project, ingest the report attachments of runs since the last pass. Passes never overlap,
 * and a failing pass is logged and retried at the next tick; the service keeps serving.
 */
import type { BackfillSourceConfig } from '../config';
import type { Store } from '../store/store';
import type { ReportAttachmentSource } from './attachmentSource';
import { backfillInto, formatSummary } from './backfill';

/** What the scheduler needs. */
export interface ScheduledBackfillOptions {
  store: Store;
  sources: BackfillSourceConfig[];
  /** Opens the attachment source of one project (Azure DevOps in production). */
  openSource(source: BackfillSourceConfig): Promise<ReportAttachmentSource>;
  intervalMs: number;
  /** How far back the first pass looks. */
  lookbackMs: number;
  ambiguityWindowMs: number;
  log: { info(msg: string): void; warn(msg: string): void };
}

/** A running schedule. */
export interface ScheduledBackfill {
  /** Runs one pass now (also what each tick does); resolves when it is done. */
  runOnce(): Promise<void>;
  /** Stops the schedule and waits for a pass under way. */
  stop(): Promise<void>;
}

/** Re-reading a little before the last run seen costs nothing (ingestion is idempotent) and covers clock skew. */
const OVERLAP_MS = 10 * 60_000;

/** Starts the schedule: a first pass at once, then one every `intervalMs`. */
export function startScheduledBackfill(options: ScheduledBackfillOptions): ScheduledBackfill {
  const since = new Map<string, Date>();
  let running: Promise<void> | undefined;

  const pass = async () => {
    for (const source of options.sources) {
      const key = `${source.organizationUrl}|${source.project}`;
      const from = since.get(key) ?? new Date(Date.now() - options.lookbackMs);
      try {
        const summary = await backfillInto(options.store, await options.openSource(source), from, {
          ambiguityWindowMs: options.ambiguityWindowMs,
          project: source.project,
          log: (line) => options.log.warn(`backfill ${source.project}: ${line}`),
        });
        if (summary.latestRunTime) since.set(key, new Date(summary.latestRunTime.getTime() - OVERLAP_MS));
        options.log.info(`backfill ${source.project}: ${formatSummary(summary)}`);
      } catch (err) {
        options.log.warn(`backfill ${source.project} failed, will retry at the next pass: ${(err as Error).message}`);
      }
    }
  };

  const runOnce = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  void runOnce();
  const timer = setInterval(() => void runOnce(), options.intervalMs);
  timer.unref();
  return {
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
