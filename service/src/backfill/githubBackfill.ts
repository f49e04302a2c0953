/**
 * `backfill --github`: ingests the reports the GitHub action kept as workflow artifacts when it
 * could not send them, exactly as if they had been sent live: each goes through `ingestReport`
 * under a `github-artifact` principal, the run that holds the artifact as GitHub's REST API
 * describes it, so an artifact may speak only for its own run. Idempotent, because ingestion is.
 */
import { GITHUB_REPORT_ARTIFACT_FILE } from '../../../common/contract';
import type { GitHubArtifactPrincipal, GitHubArtifactRun } from '../auth/principal';
import { ProblemError } from '../errors';
import { ingestReport } from '../ingest';
import type { IngestStatus, Store } from '../store/store';
import { parseReportText } from './backfill';
import { GitHubApiError, type GitHubArtifactRef, type GitHubArtifactSource } from './githubSource';
import { readZipEntry, ZipError } from './zip';

/** The largest report file read out of a zip. */
const MAX_REPORT_BYTES = 4 * 1024 * 1024;

/** One artifact named in the summary. */
export interface ArtifactNote {
  repository: string;
  runId: number;
  artifactId: number;
  name: string;
}

/** What a GitHub backfill did, for the CLI to print. */
export interface GitHubBackfillSummary {
  repositories: number;
  artifactsFound: number;
  created: number;
  replaced: number;
  unchanged: number;
  /** Artifacts GitHub no longer keeps: their reports are lost to backfill. */
  expired: ArtifactNote[];
  rejected: Array<ArtifactNote & { reason: string }>;
}

/** Ingests one parsed report for the run that holds its artifact: {@link ingestReport} in production. */
export type IngestArtifact = (principal: GitHubArtifactPrincipal, body: unknown) => Promise<{ status: IngestStatus }>;

/** What {@link runGitHubBackfill} needs. */
export interface GitHubBackfillOptions {
  source: GitHubArtifactSource;
  /** `owner/name` of each repository to read. */
  repositories: string[];
  /** Only this run's artifacts (with one repository). */
  runId?: number;
  since: Date;
  ingest: IngestArtifact;
  log?(line: string): void;
}

function note(a: GitHubArtifactRef): ArtifactNote {
  return { repository: a.repository, runId: a.runId, artifactId: a.id, name: a.name };
}

/** The report file of an artifact's zip, as text, or why there is none. */
export function reportTextOfZip(zip: Buffer): { ok: true; text: string } | { ok: false; error: string } {
  try {
    const data = readZipEntry(zip, GITHUB_REPORT_ARTIFACT_FILE, MAX_REPORT_BYTES);
    if (!data) return { ok: false, error: `the zip holds no ${GITHUB_REPORT_ARTIFACT_FILE}` };
    return { ok: true, text: data.toString('utf8') };
  } catch (err) {
    if (err instanceof ZipError) return { ok: false, error: `not a readable zip: ${err.message}` };
    throw err;
  }
}

/**
 * Reads every report artifact of the repositories since `since` and ingests it. An expired
 * artifact is listed; one that is not a valid report, or names anything its run does not, is
 * rejected (counted and logged, nothing stored); a failure of GitHub (token, rate limit) or of
 * the store ends the backfill, keeping what was stored before it.
 */
export async function runGitHubBackfill(options: GitHubBackfillOptions): Promise<GitHubBackfillSummary> {
  const summary: GitHubBackfillSummary = {
    repositories: 0,
    artifactsFound: 0,
    created: 0,
    replaced: 0,
    unchanged: 0,
    expired: [],
    rejected: [],
  };
  const reject = (artifact: GitHubArtifactRef, reason: string) => {
    summary.rejected.push({ ...note(artifact), reason });
    options.log?.(`rejected artifact ${artifact.name} (${artifact.id}) of run ${artifact.runId} of ${artifact.repository}: ${reason}`);
  };
  const expire = (artifact: GitHubArtifactRef) => {
    summary.expired.push(note(artifact));
    options.log?.(
      `expired: artifact ${artifact.name} (${artifact.id}) of run ${artifact.runId} of ${artifact.repository}; GitHub no longer keeps its report`,
    );
  };
  for (const repository of options.repositories) {
    summary.repositories++;
    const runs = new Map<number, GitHubArtifactRun>();
    const listing = options.source.listReportArtifacts(repository, {
      since: options.since,
      ...(options.runId !== undefined ? { runId: options.runId } : {}),
    });
    for await (const artifact of listing) {
      summary.artifactsFound++;
      if (artifact.expired) {
        expire(artifact);
        continue;
      }
      let zip: Buffer;
      try {
        zip = await options.source.download(artifact);
      } catch (err) {
        if (err instanceof GitHubApiError && err.kind === 'gone') {
          expire(artifact);
          continue;
        }
        throw err;
      }
      const file = reportTextOfZip(zip);
      if (!file.ok) {
        reject(artifact, file.error);
        continue;
      }
      const parsed = parseReportText(file.text);
      if (!parsed.ok) {
        reject(artifact, parsed.error);
        continue;
      }
      let run = runs.get(artifact.runId);
      if (!run) {
        run = await options.source.getRun(repository, artifact.runId);
        runs.set(artifact.runId, run);
      }
      try {
        summary[(await options.ingest({ kind: 'github-artifact', run }, parsed.body)).status]++;
      } catch (err) {
        // 4xx: this report may not be stored (invalid, or not its run's); the next may.
        if (err instanceof ProblemError && err.status < 500) reject(artifact, describeRefusal(err));
        else throw err;
      }
    }
  }
  return summary;
}

function describeRefusal(problem: ProblemError): string {
  if (problem.status !== 403 || problem.fields.length === 0) return problem.detail;
  return `not its run's: ${problem.fields.map((f) => `${f.pointer} ${f.detail}`).join('; ')}`;
}

/** Backfills from `source` into `store` through {@link ingestReport}. */
export function gitHubBackfillInto(
  store: Store,
  source: GitHubArtifactSource,
  options: Omit<GitHubBackfillOptions, 'source' | 'ingest'> & { ambiguityWindowMs: number },
): Promise<GitHubBackfillSummary> {
  const { ambiguityWindowMs, ...rest } = options;
  return runGitHubBackfill({
    ...rest,
    source,
    ingest: (principal, body) => ingestReport({ store, ambiguityWindowMs }, principal, body),
  });
}

/** One line for people: what the backfill found and did. */
export function formatGitHubSummary(s: GitHubBackfillSummary): string {
  return (
    `read ${s.repositories} repositor${s.repositories === 1 ? 'y' : 'ies'}, found ${s.artifactsFound} report artifact${s.artifactsFound === 1 ? '' : 's'}: ` +
    `${s.created} new, ${s.replaced} replaced, ${s.unchanged} unchanged, ${s.expired.length} expired, ${s.rejected.length} rejected`
  );
}
