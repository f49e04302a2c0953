/**
 * `container-mapping backfill`: ingests the reports the task attached to runs while the
 * service was unreachable, read through Azure DevOps' build attachments API.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { ProblemError } from '../errors';
import { openStore } from '../store/openStore';
import type { Store } from '../store/store';
import { validateReport } from '../validation';
import { UsageError, type Command, type CommandIo } from '../cli/command';
import { CONFIG_FLAGS, flagsToSettings } from '../cli/configFlags';
import type { ReportAttachmentSource } from './attachmentSource';
import { createAzureDevOpsSource } from './azureDevOpsSource';
import { runBackfill, type BackfillSummary, type ParsedReport } from './backfill';
import type { Report } from '../../../common/report';

/** Default look-back when `--since` is not given. */
export const DEFAULT_SINCE = '7d';

/**
 * Reads `--since`: an ISO 8601 time, or a look-back such as `90m`, `36h` or `7d`.
 * @throws UsageError for anything else.
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const lookBack = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (lookBack) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[lookBack[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(lookBack[1]) * unit);
  }
  const time = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(time.getTime())) return time;
  throw new UsageError(`--since "${text}" is neither an ISO 8601 time nor a look-back like 36h or 7d`);
}

/** Validation for backfill: the same schema and key checks as the live route. */
export function parseReportText(text: string): ParsedReport {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  try {
    return { ok: true, report: validateReport(body) };
  } catch (err) {
    if (err instanceof ProblemError) return { ok: false, error: err.detail };
    throw err;
  }
}

/** Backfills from `source` into `store`; what `backfill` and the scheduled mode share. */
export function backfillInto(
  store: Store,
  source: ReportAttachmentSource,
  since: Date,
  options: { ambiguityWindowMs: number; principal: string; log?: (line: string) => void },
): Promise<BackfillSummary> {
  return runBackfill({
    source,
    since,
    parse: parseReportText,
    ingest: async (report: Report) => {
      const result = await store.ingest(report, {
        principal: options.principal,
        receivedAt: new Date(),
        ambiguityWindowMs: options.ambiguityWindowMs,
      });
      return result.status;
    },
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

const FLAGS = {
  ...CONFIG_FLAGS,
  organization: { type: 'string' },
  project: { type: 'string' },
  since: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const backfillCommand: Command = {
  summary: 'ingest reports the task attached to runs while the service was unreachable',
  usage:
    'backfill --organization https://dev.azure.com/contoso --project NAME [--since 7d|ISO time] ' +
    '[--token PAT | env AZURE_DEVOPS_TOKEN] [--database URL] [--config file.json] [--json]',
  async run(args: string[], io: CommandIo) {
    const { values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false });
    if (!values.organization) throw new UsageError('--organization is required');
    if (!values.project) throw new UsageError('--project is required');
    try {
      new URL(values.organization);
    } catch {
      throw new UsageError(`--organization "${values.organization}" is not a URL`);
    }
    const token = values.token ?? io.env.AZURE_DEVOPS_TOKEN;
    if (!token) throw new UsageError('a personal access token with Build (read) scope is required: --token or AZURE_DEVOPS_TOKEN');
    const since = parseSince(values.since ?? DEFAULT_SINCE);
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: io.env, flags: flagsToSettings(values) });

    const source = await createAzureDevOpsSource({ organizationUrl: values.organization, project: values.project, token });
    const store = await openStore(config.databaseUrl);
    try {
      if (config.migrateOnStart) await store.migrate();
      const summary = await backfillInto(store, source, since, {
        ambiguityWindowMs: config.ambiguityWindowMs,
        principal: `backfill:${values.project}`,
        log: (line) => io.err(line),
      });
      io.out(values.json ? JSON.stringify(summary) : formatSummary(summary));
      return summary.rejected.length > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  },
};
