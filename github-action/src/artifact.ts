/**
 * The action's last resort: when the report could not be sent (no OIDC token and no static
 * token, or the service refused or could not be reached), it is kept as a workflow artifact of
 * the run, which `container-mapping backfill --github` reads later through GitHub's REST API.
 *
 * The upload is @actions/artifact's (`DefaultArtifactClient.uploadArtifact`, version 6): a Twirp
 * call `github.actions.results.api.v1.ArtifactService/CreateArtifact` to the runner's results
 * service (ACTIONS_RESULTS_URL, bearer ACTIONS_RUNTIME_TOKEN, whose `scp` claim names the run's
 * and job's backend ids) answers a signed blob URL; the zip of the files is put there with
 * @azure/storage-blob's `BlockBlobClient.uploadStream` (`PUT ?comp=block` per 8 MiB block, then
 * `PUT ?comp=blocklist`); `FinalizeArtifact` then gives the artifact its id. Sources read:
 * actions/toolkit packages/artifact src/internal/upload/upload-artifact.ts, blob-upload.ts,
 * shared/artifact-twirp-client.ts, shared/util.ts (`getBackendIdsFromToken`), shared/config.ts.
 *
 * Since artifacts v4 a name is unique within a workflow run: a second `CreateArtifact` with the
 * same name fails with 409 "an artifact with this name already exists on the workflow run". Every
 * job of a run (each matrix leg, each attempt) therefore keeps its report under its own name,
 * {@link reportArtifactName}, and backfill reads every artifact whose name starts with it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GITHUB_REPORT_ARTIFACT, GITHUB_REPORT_ARTIFACT_FILE } from '../../common/contract';
import type { GitHubReport } from '../../common/githubReport';

/** The longest the upload may take before the step gives up on it (its own retries included: 5 tries, 3 s apart and more). */
export const ARTIFACT_TIME_LIMIT_MS = 30_000;

/** Where the action's messages go: `core.info` / `core.warning` in the action (only the kept artifact's name is written here; a failure is the caller's to say). */
export interface ArtifactLog {
  info(line: string): void;
  warning(line: string): void;
}

/** What became of the report. */
export interface KeptReport {
  kept: boolean;
  /** Why it was not kept, in one line for the step's log. */
  reason?: string;
  /** The artifact's name and id when it was kept. */
  name?: string;
  artifactId?: number;
}

/** Options for tests and the action's own budget. */
export interface KeepOptions {
  /** Default {@link ARTIFACT_TIME_LIMIT_MS}. */
  timeLimitMs?: number;
  /** Days GitHub keeps the artifact; default: the repository's setting (90 days unless changed). */
  retentionDays?: number;
}

/**
 * The artifact name of one job's report: `container-mapping-report-` and the first 16 hex
 * digits of its idempotency key (server, repository, run, job and attempt), unique per job and
 * attempt of a run as artifacts v4 require.
 */
export function reportArtifactName(report: Pick<GitHubReport, 'idempotencyKey'>): string {
  return `${GITHUB_REPORT_ARTIFACT}-${report.idempotencyKey.slice(0, 16)}`;
}

/** Removes what could be a credential from a message: signed URLs' `sig`, bearer tokens, the runtime token itself. */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text.replace(/([?&]sig=)[^&\s"']+/gi, '$1***').replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***');
  const runtimeToken = env.ACTIONS_RUNTIME_TOKEN;
  if (runtimeToken && runtimeToken.length >= 8) out = out.split(runtimeToken).join('***');
  return out;
}

/** Why this job cannot keep an artifact, or undefined when it can try. */
function missingArtifactService(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    return 'the runner gave this step no artifact service (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set)';
  }
  return undefined;
}

/**
 * Writes the report as one JSON file, {@link GITHUB_REPORT_ARTIFACT_FILE}, and uploads it as the
 * job's report artifact ({@link reportArtifactName}). Never throws; gives up after the time limit
 * (the upload's own retries may still be under way then, and end with the step's process); logs
 * no token and no signed URL.
 */
export async function keepReportAsArtifact(report: GitHubReport, log: ArtifactLog, options: KeepOptions = {}): Promise<KeptReport> {
  // @actions/artifact reads the runner's variables from process.env itself.
  const env = process.env;
  const name = reportArtifactName(report);
  // The caller warns once, with the reason (a second warning here would be a second annotation on the run).
  const refuse = (reason: string): KeptReport => ({ kept: false, reason });
  const missing = missingArtifactService(env);
  if (missing) return refuse(missing);

  let folder: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    folder = await mkdtemp(join(env.RUNNER_TEMP || tmpdir(), 'container-mapping-'));
    const file = join(folder, GITHUB_REPORT_ARTIFACT_FILE);
    await writeFile(file, JSON.stringify(report), { mode: 0o600 });
    // ESM-only package, loaded only on this rare path (the action's bundle inlines it).
    const { DefaultArtifactClient } = await import('@actions/artifact');
    const upload = new DefaultArtifactClient().uploadArtifact(name, [file], folder, {
      ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
    });
    const limitMs = options.timeLimitMs ?? ARTIFACT_TIME_LIMIT_MS;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), limitMs);
    });
    // A late failure of the abandoned upload must not become an unhandled rejection.
    upload.catch(() => undefined);
    const outcome = await Promise.race([upload, timeout]);
    if (outcome === 'timeout') return refuse(`the upload did not finish within ${Math.round(limitMs / 1000)} s`);
    log.info(`Container mapping: the report is kept as artifact ${name} of this run; container-mapping backfill --github reads it later.`);
    return { kept: true, name, ...(outcome.id !== undefined ? { artifactId: outcome.id } : {}) };
  } catch (err) {
    return refuse(redactSecrets(err instanceof Error ? err.message : String(err), env).split('\n')[0] ?? 'unknown error');
  } finally {
    if (timer) clearTimeout(timer);
    if (folder) await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
}
