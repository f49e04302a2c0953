/**
 * The GitHub Actions host of the shared collection (collector/collection.ts): the window from the
 * `pre` step's state, the service's credentials (the job's OIDC token through core.getIDToken,
 * then the `token` input), the version-2 report from the runner's variables, the workflow
 * artifact as the fallback, and core's logging. What it talks to comes in through
 * `ActionCommands`, so that every branch is tested without a runner.
 */
import type { CollectionHost, ServiceCredentials, ServiceTarget } from '../../collector/collection';
import type { Credential } from '../../collector/deliver';
import type { GitHubReport } from '../../common/githubReport';
import type { ReportWindow } from '../../common/report';
import type { ActionSettings } from './settings';
import type { WindowStart } from './state';
import { readGitHubRun } from './githubRun';
import { ACTION_NAME, buildGitHubReport } from './report';

/** The step's log, as @actions/core writes it. */
export interface ActionLog {
  info(line: string): void;
  warning(line: string): void;
}

/**
 * Keeps the report as the workflow artifact `container-mapping-report` (github-action/src/artifact.ts):
 * never throws, bounded in time, never logs a token.
 */
export type KeepReportAsArtifact = (
  report: GitHubReport,
  log: ActionLog,
  options?: { timeLimitMs?: number },
) => Promise<{ kept: boolean; reason?: string }>;

/** What the host does outside its memory. */
export interface ActionCommands {
  log: ActionLog;
  /** core.getIDToken(audience): the job's OIDC token, masked by core as it arrives. */
  getIDToken(audience: string): Promise<string>;
  /** core.setSecret: masks a value in every later line of the job's log. */
  setSecret(value: string): void;
  /** The artifact fallback, loaded only when needed; undefined when this build has none. */
  keepReportAsArtifact(): KeepReportAsArtifact | undefined;
  /** Epoch milliseconds now. */
  now(): number;
}

/** What the collection ended with, for the step's summary and outputs. */
export interface HostOutcome {
  /** The report built, when one was. */
  report?: GitHubReport;
  /** Set when the report was not delivered: why, and whether the artifact kept it. */
  undelivered?: { problem: string; kept: boolean };
}

/** How long getIDToken may take (its HTTP client retries on its own, unbounded by any deadline of ours). */
const ID_TOKEN_TIMEOUT_MS = 10_000;

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** `promise`, or a rejection after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Where the report goes, or why it goes nowhere (then straight to the artifact). */
export function serviceTarget(settings: ActionSettings): ServiceTarget {
  if (!settings.serviceUrl) return { missing: 'no service URL is set (the service-url input)' };
  if (!settings.canRequestIdToken && !settings.staticToken) {
    return {
      missing: 'the job may not ask for an OIDC token (it needs `permissions: id-token: write`) and no `token` input is set',
    };
  }
  return settings.proxy ? { url: settings.serviceUrl, proxy: settings.proxy } : { url: settings.serviceUrl };
}

/** The host, and what it learnt once the collection is over. */
export function gitHubHost(
  settings: ActionSettings,
  start: WindowStart,
  env: Record<string, string | undefined>,
  commands: ActionCommands,
  version: string,
  /** Epoch ms by which the step must have finished: the artifact upload gets what is left. */
  deadlineMs: number = Number.POSITIVE_INFINITY,
): { host: CollectionHost<GitHubReport>; outcome: HostOutcome; pending: () => Promise<void> } {
  const outcome: HostOutcome = {};
  let pending: Promise<void> = Promise.resolve();
  const { log } = commands;
  if (settings.staticToken) commands.setSecret(settings.staticToken);
  if (settings.proxy?.password) commands.setSecret(settings.proxy.password);

  const host: CollectionHost<GitHubReport> = {
    log: { info: (line) => log.info(line), warn: (line) => log.warning(line) },
    collector: { name: ACTION_NAME, version },
    service: serviceTarget(settings),
    jobWindow(until) {
      // The shared collection reads only `since` and `until` of the window; its `sinceSource` is
      // version 1's (timeline, pipelineStartTime), so the report's own is set in buildReport.
      const window = { since: new Date(start.sinceMs).toISOString(), until };
      return Promise.resolve({ window: window as ReportWindow });
    },
    async credentials(): Promise<ServiceCredentials> {
      const credentials: Credential[] = [];
      let note: string | undefined;
      if (settings.canRequestIdToken) {
        try {
          const token = await within(commands.getIDToken(settings.audience), ID_TOKEN_TIMEOUT_MS, 'the OIDC token');
          // core.getIDToken masks it already; once more costs nothing and does not rely on it.
          commands.setSecret(token);
          credentials.push({ kind: 'oidc', token });
        } catch (err) {
          note = `no OIDC token (${oneLine(err)})`;
        }
      } else {
        note = 'no OIDC token (the job has no `permissions: id-token: write`)';
      }
      if (settings.staticToken) credentials.push({ kind: 'static', token: settings.staticToken });
      return credentials.length > 0 ? { credentials } : { credentials, note: note ?? 'no token' };
    },
    buildReport(parts) {
      const run = readGitHubRun(env, settings.matrix);
      if (!run.ok) return { unknown: `the runner did not set ${run.missing.join(', ')}` };
      const window: GitHubReport['window'] = { since: parts.window.since, until: parts.window.until, sinceSource: start.source };
      const report = buildGitHubReport(run.run, run.runner, { ...parts, window });
      outcome.report = report;
      return { report };
    },
    credentialName: (kind) => (kind === 'oidc' ? "the job's OIDC token" : 'the static token (the `token` input)'),
    runLabel(report) {
      return `${report.github.repository} run ${report.github.runId} (attempt ${report.github.runAttempt})`;
    },
    keepUndelivered(report, problem) {
      outcome.undelivered = { problem, kept: false };
      const keep = commands.keepReportAsArtifact();
      if (!keep) {
        log.warning(
          `Container mapping: the report was not delivered (${problem}), and this build of the action cannot keep it as an artifact.`,
        );
        return;
      }
      const options = Number.isFinite(deadlineMs) ? { timeLimitMs: Math.max(1000, deadlineMs - commands.now() - 500) } : {};
      pending = keep(report, log, options).then(
        (kept) => {
          outcome.undelivered = { problem, kept: kept.kept };
          if (kept.kept) {
            log.warning(
              `Container mapping: the report was not delivered (${problem}); it is kept as a container-mapping-report artifact of this run, for \`container-mapping backfill --github\`.`,
            );
          } else {
            log.warning(
              `Container mapping: the report was not delivered (${problem}) and could not be kept as an artifact (${kept.reason ?? 'unknown'}).`,
            );
          }
        },
        (err: unknown) => {
          log.warning(
            `Container mapping: the report was not delivered (${problem}) and could not be kept as an artifact (${oneLine(err)}).`,
          );
        },
      );
    },
  };
  return { host, outcome, pending: () => pending };
}

/**
 * The step's warning when a `docker-container` builder ran in the job (the shared collection's
 * warning `buildkit-container-builder`): its pushes never reach the engine, and
 * docker/setup-buildx-action's post step removes the builder. Says the one-line change.
 */
export function containerBuilderAdvice(report: GitHubReport | undefined): string | undefined {
  if (!report?.warnings.some((w) => w.code === 'buildkit-container-builder')) return undefined;
  return "Container mapping: a docker-container builder (docker/setup-buildx-action's default driver) pushed outside the Docker engine, so its pushes were not captured. Add `driver: docker` to setup-buildx-action's `with:`, or write the build's metadata into this action's metadata-folder (github-action/README.md, BuildKit and buildx).";
}
