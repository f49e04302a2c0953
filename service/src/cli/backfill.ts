/**
 * `container-mapping backfill`: ingests the reports the task attached to runs while the
 * service was unreachable, read through Azure DevOps' build attachments API; with `--github`,
 * the reports the GitHub action kept as workflow artifacts (`backfillGitHub.ts`). Arguments and
 * I/O only; the backfill itself is `backfill/backfill.ts`, shared with the scheduled mode.
 */
import { parseArgs } from 'node:util';
import { createAzureDevOpsSource } from '../backfill/azureDevOpsSource';
import { backfillInto, formatSummary, parseSince } from '../backfill/backfill';
import { loadConfig } from '../config';
import { openStore } from '../store/openStore';
import { runGitHubBackfillCommand } from './backfillGitHub';
import { UsageError, type Command, type CommandIo } from './command';
import { CONFIG_FLAGS, flagsToSettings } from './configFlags';

/** Default look-back when `--since` is not given. */
export const DEFAULT_SINCE = '7d';

const FLAGS = {
  ...CONFIG_FLAGS,
  organization: { type: 'string' },
  project: { type: 'string' },
  since: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  github: { type: 'boolean' },
  repository: { type: 'string', multiple: true },
  'run-id': { type: 'string' },
  'api-url': { type: 'string' },
  'server-url': { type: 'string' },
} as const;

const AZURE_DEVOPS_ONLY = ['organization', 'project'] as const;
const GITHUB_ONLY = ['repository', 'run-id', 'api-url', 'server-url'] as const;

export const backfillCommand: Command = {
  summary: 'ingest reports the task attached to runs (or the GitHub action kept as artifacts) while the service was unreachable',
  usage:
    'backfill --organization https://dev.azure.com/contoso --project NAME [--since 7d|ISO time] ' +
    '[--token PAT | env AZURE_DEVOPS_TOKEN] [--database URL] [--config file.json] [--json]\n' +
    '       backfill --github --repository OWNER/REPO [--repository …] [--run-id ID (all its artifacts)] [--since 7d|ISO time] ' +
    '[--api-url https://HOST/api/v3] [--token T | env CM_GITHUB_TOKEN or GITHUB_TOKEN] [--database URL] [--config file.json] [--json]',
  async run(args: string[], io: CommandIo) {
    const { values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false });
    if (values.github) {
      const wrong = AZURE_DEVOPS_ONLY.find((flag) => values[flag] !== undefined);
      if (wrong) throw new UsageError(`--${wrong} is for Azure DevOps; with --github give --repository OWNER/REPO`);
      return runGitHubBackfillCommand(values, DEFAULT_SINCE, io);
    }
    const wrong = GITHUB_ONLY.find((flag) => values[flag] !== undefined);
    if (wrong) throw new UsageError(`--${wrong} reads GitHub artifacts: add --github`);
    if (!values.organization) throw new UsageError('--organization is required');
    if (!values.project) throw new UsageError('--project is required');
    try {
      new URL(values.organization);
    } catch {
      throw new UsageError(`--organization "${values.organization}" is not a URL`);
    }
    const token = values.token ?? io.env.AZURE_DEVOPS_TOKEN;
    if (!token) throw new UsageError('a personal access token with Build (read) scope is required: --token or AZURE_DEVOPS_TOKEN');
    const sinceText = values.since ?? DEFAULT_SINCE;
    const since = parseSince(sinceText);
    if (!since) throw new UsageError(`--since "${sinceText}" is neither an ISO 8601 time nor a look-back like 36h or 7d`);
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: io.env, flags: flagsToSettings(values) });

    const source = await createAzureDevOpsSource({ organizationUrl: values.organization, project: values.project, token });
    const store = await openStore(config.databaseUrl);
    try {
      if (config.migrateOnStart) await store.migrate();
      const summary = await backfillInto(store, source, since, {
        ambiguityWindowMs: config.ambiguityWindowMs,
        project: values.project,
        log: (line) => io.err(line),
      });
      io.out(values.json ? JSON.stringify(summary) : formatSummary(summary));
      return summary.rejected.length > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  },
};
