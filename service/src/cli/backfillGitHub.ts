/**
 * `container-mapping backfill --github`: ingests the reports the GitHub action kept as workflow
 * artifacts when it could not send them, read through GitHub's REST API. Arguments and I/O
 * only; the backfill itself is `backfill/githubBackfill.ts`.
 */
import { parseSince } from '../backfill/backfill';
import { formatGitHubSummary, gitHubBackfillInto } from '../backfill/githubBackfill';
import { createGitHubSource, parseRepository } from '../backfill/githubSource';
import { loadConfig } from '../config';
import { openStore } from '../store/openStore';
import { UsageError, type CommandIo } from './command';
import { flagsToSettings } from './configFlags';

/** The flags `backfill --github` reads, as parseArgs gives them. */
export interface GitHubBackfillFlags {
  repository?: string[];
  'run-id'?: string;
  since?: string;
  token?: string;
  'api-url'?: string;
  'server-url'?: string;
  config?: string;
  json?: boolean;
  [flag: string]: unknown;
}

/** The environment variables a token is read from, in order. */
export const GITHUB_TOKEN_VARIABLES = ['CM_GITHUB_TOKEN', 'GITHUB_TOKEN'] as const;

/** Runs `backfill --github`; resolves to the exit code (1 when an artifact was rejected). */
export async function runGitHubBackfillCommand(values: GitHubBackfillFlags, defaultSince: string, io: CommandIo): Promise<number> {
  const repositories = values.repository ?? [];
  if (repositories.length === 0) throw new UsageError('--repository OWNER/REPO is required (once per repository)');
  for (const r of repositories) if (!parseRepository(r)) throw new UsageError(`--repository "${r}" is not OWNER/REPO`);
  let runId: number | undefined;
  if (values['run-id'] !== undefined) {
    runId = Number(values['run-id']);
    if (!/^[1-9][0-9]{0,15}$/.test(values['run-id']) || !Number.isSafeInteger(runId))
      throw new UsageError(`--run-id "${values['run-id']}" is not a run id`);
    if (repositories.length !== 1) throw new UsageError('--run-id names a run of one repository: give one --repository');
  }
  for (const flag of ['api-url', 'server-url'] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`--${flag} "${value}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--${flag} "${value}" is not an http(s) URL`);
  }
  const token = values.token ?? GITHUB_TOKEN_VARIABLES.map((name) => io.env[name]).find((v) => v !== undefined && v !== '');
  if (!token)
    throw new UsageError(`a token that may read Actions (actions:read) is required: --token or ${GITHUB_TOKEN_VARIABLES.join(' or ')}`);
  // One run named by id is read whole, however old, unless --since says otherwise.
  const sinceText = values.since ?? (runId !== undefined ? new Date(0).toISOString() : defaultSince);
  const since = parseSince(sinceText);
  if (!since) throw new UsageError(`--since "${sinceText}" is neither an ISO 8601 time nor a look-back like 36h or 7d`);
  const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: io.env, flags: flagsToSettings(values) });

  const source = createGitHubSource({
    token,
    ...(values['api-url'] !== undefined ? { apiUrl: values['api-url'] } : {}),
    ...(values['server-url'] !== undefined ? { serverUrl: values['server-url'] } : {}),
  });
  const store = await openStore(config.databaseUrl);
  try {
    if (config.migrateOnStart) await store.migrate();
    const summary = await gitHubBackfillInto(store, source, {
      repositories,
      ...(runId !== undefined ? { runId } : {}),
      since,
      ambiguityWindowMs: config.ambiguityWindowMs,
      log: (line) => io.err(line),
    });
    io.out(values.json ? JSON.stringify(summary) : formatGitHubSummary(summary));
    return summary.rejected.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}
