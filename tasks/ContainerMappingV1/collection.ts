/**
 * The full collection, run only when the first look found something to report: the job's
 * window, the pushed images and their digests, the report, its delivery (or its attachment to
 * the run when it cannot be delivered). Everything it does to the outside world goes through
 * `CollectorDependencies`, built for real in one place (`collect.ts`, the collector bundle's
 * entry), so that every branch is tested without an engine, an organisation or an agent.
 */
import type { PushedImage, Report, ReportWarning, ReportWindow } from '../../common/report';
import type { Probe } from './probe';
import type { RunContext } from './settings';
import type { DockerEndpoint } from './dockerHost';
import { engineRestarted, mayBeTruncated, parseAgentTime, pushEvents } from './events';
import { planPushes, resolvePushes, untaggedRepositories, type InspectImage } from './pushes';
import type { RegistryDigestLookup } from './registryDigest';
import { imagesFromMetadata, type MetadataFile } from './buildx';
import { buildReport, describeImage, hubOf, IncompleteRunError } from './buildReport';
import type { Outcome, PipelineApiOptions } from './pipelineApi';
import { describeCredential, type Credential, type DeliveryOptions, type DeliveryResult } from './deliver';
import { REPORT_ATTACHMENT_TYPE } from '../../common/contract';
import { attachmentName, backfillCollects, MAX_LOGGED_REPORT_BYTES } from './attachment';
import { TASK_NAME, TASK_VERSION } from './version';
import { buildSigns } from './buildkitSigns';
import { collectBuildHistory, mergeImages, unresolvedWarnings, type ReadBuildHistory } from './buildkitCollection';

/** The agent's logging commands the collector uses, and the step's log. */
export interface AgentCommands {
  /** Masks a value in every later line of the job's log (`task.setsecret`). */
  setSecret(value: string): void;
  /** Marks the step (`task.complete`); the collector only ever lowers it to SucceededWithIssues, never to Failed. */
  setResult(result: 'SucceededWithIssues', message: string): void;
  /** Writes a plain line in the step's group. */
  info(line: string): void;
  /** Writes a warning shown in the job's summary. */
  warn(line: string): void;
}

/** Everything the collection does outside its own memory. */
export interface CollectorDependencies {
  /**
   * Image lookups on the engine at `endpoint`, each bounded by `timeoutMs`, asked with the API
   * version negotiated from `engineApiVersion` (the first look's `Api-Version`; see apiVersion.ts).
   */
  inspector(endpoint: DockerEndpoint, timeoutMs: number, engineApiVersion: string | undefined): InspectImage;
  /**
   * The engine's tags of a repository (`registry/repository` → normalised `registry/repository:tag`),
   * for `push --all-tags`, asked with the negotiated API version like `inspector`.
   */
  repositoryTags(
    endpoint: DockerEndpoint,
    timeoutMs: number,
    engineApiVersion: string | undefined,
  ): (repository: string) => Promise<string[]>;
  /** Asks registries for a pushed tag's digest, each request bounded by `timeoutMs` (see registryDigest.ts). */
  registryDigest(timeoutMs: number): RegistryDigestLookup;
  /** The job's start time from the build timeline (see pipelineApi.ts). */
  jobStartTime(options: PipelineApiOptions, projectId: string, buildId: number, jobId: string): Promise<Outcome<string>>;
  /** The job's OIDC token for the service (see pipelineApi.ts). */
  createOidcToken(options: PipelineApiOptions, projectId: string, hub: string, planId: string, jobId: string): Promise<Outcome<string>>;
  /** Posts the report to the service; never throws (see deliver.ts). */
  deliverReport(options: DeliveryOptions): Promise<DeliveryResult>;
  /** Reads buildx metadata files, skipping those that vanished. */
  readMetadataFiles(paths: readonly string[]): MetadataFile[];
  /** Writes `text` to the file `name` in `folder` (the system's temp folder when undefined), creating it; returns its path; throws when it cannot. */
  writeFile(folder: string | undefined, name: string, text: string): string;
  /** Attaches a file to the run (`task.addattachment`); throws when it cannot. */
  addAttachment(type: string, name: string, path: string): void;
  agent: AgentCommands;
  /** BuildKit's build history on the engine (see buildkitCollection.ts); absent: not read. */
  readBuildHistory?: ReadBuildHistory;
  /** Epoch milliseconds now. */
  now(): number;
}

const API_TIMEOUT_MS = 5000;
const INSPECT_TIMEOUT_MS = 5000;
const REGISTRY_TIMEOUT_MS = 5000;
const DELIVERY_ATTEMPT_TIMEOUT_MS = 10000;
const BUILD_HISTORY_TIMEOUT_MS = 5000;

function timeLeft(probe: Probe, capMs: number, deps: CollectorDependencies): number {
  return Math.max(200, Math.min(capMs, probe.deadlineMs - deps.now() - 500));
}

/** The job's window: its timeline start, else the pipeline's start. */
async function jobWindow(
  context: RunContext,
  api: PipelineApiOptions | undefined,
  probe: Probe,
  warnings: ReportWarning[],
  deps: CollectorDependencies,
): Promise<ReportWindow | undefined> {
  const run = context.run;
  const until = new Date(probe.untilMs).toISOString();
  if (api && hubOf(run) === 'build' && run.projectId && run.buildId !== undefined && run.jobId) {
    const start = await deps.jobStartTime(
      { ...api, timeoutMs: timeLeft(probe, API_TIMEOUT_MS, deps) },
      run.projectId,
      run.buildId,
      run.jobId,
    );
    if (start.ok) return { since: start.value, until, sinceSource: 'timeline' };
    warnings.push({
      code: 'timeline-unavailable',
      message: `The job's start time could not be read from the timeline (${start.reason}); the pipeline's start time is used.`,
    });
  }
  const pipelineStart = parseAgentTime(run.pipelineStartTime);
  if (pipelineStart === undefined) return undefined;
  return { since: new Date(pipelineStart).toISOString(), until, sinceSource: 'pipelineStartTime' };
}

/**
 * The bearer tokens for the service, in order: the job's OIDC token, then the static
 * `ContainerMapping.Token`. Both when both exist: a service that refuses the OIDC token
 * (an organisation it is not configured for, a server whose tokens it cannot verify) gets
 * the static one (see deliver.ts).
 */
async function serviceCredentials(
  context: RunContext,
  api: PipelineApiOptions | undefined,
  probe: Probe,
  deps: CollectorDependencies,
): Promise<{ credentials: Credential[]; note?: string }> {
  const run = context.run;
  const credentials: Credential[] = [];
  let note: string | undefined;
  if (api && run.projectId && run.hostType && run.planId && run.jobId) {
    const oidc = await deps.createOidcToken(
      { ...api, timeoutMs: timeLeft(probe, API_TIMEOUT_MS, deps) },
      run.projectId,
      run.hostType,
      run.planId,
      run.jobId,
    );
    if (oidc.ok) {
      deps.agent.setSecret(oidc.value);
      credentials.push({ kind: 'oidc', token: oidc.value });
    } else {
      note = `no OIDC token (${oidc.reason})`;
    }
  }
  if (context.staticToken) credentials.push({ kind: 'static', token: context.staticToken });
  if (credentials.length > 0) return { credentials };
  return { credentials, note: note ?? 'no OIDC token and no ContainerMapping.Token' };
}

/** Writes the report beside the job's temp files and attaches it to the run. */
function attachReport(report: Report, context: RunContext, deps: CollectorDependencies): string | undefined {
  const name = attachmentName(report.pipeline.jobId, report.pipeline.jobAttempt);
  try {
    const path = deps.writeFile(context.run.agentTempDirectory, name, JSON.stringify(report));
    deps.addAttachment(REPORT_ATTACHMENT_TYPE, name, path);
    return path;
  } catch {
    return undefined;
  }
}

/**
 * A release job's undelivered report: not attached (backfill reads build attachments only), so
 * it is printed into this step's log, the one place it is kept, for an admin to send by hand.
 */
/**
 * The report as one log line of JSON that the agent cannot read as a command: a label or name
 * holding `##vso[` or `##[` would otherwise be run by the agent (it finds `##vso[` anywhere in
 * a line). Such text only stands inside JSON strings, where `\u005b` means the same `[`, so the
 * line still parses back to the same report.
 */
export function reportLogLine(report: Report): string {
  return JSON.stringify(report).replace(/##(vso)?\[/g, (found) => `${found.slice(0, -1)}\\u005b`);
}

function logUndeliveredReleaseReport(report: Report, problem: string, imageCount: number, agent: AgentCommands): void {
  const text = reportLogLine(report);
  const size = Buffer.byteLength(text);
  const why = "release jobs' reports are not attached to the release, because the service's backfill collects build attachments only";
  if (size <= MAX_LOGGED_REPORT_BYTES) {
    agent.info(`Undelivered report (send it to the service with POST /api/v1/reports and an ingest token): ${text}`);
    agent.warn(
      `Container mapping: the report was not delivered (${problem}); ${why}. The report is printed in this step's log and kept nowhere else.`,
    );
  } else {
    agent.warn(
      `Container mapping: the report was not delivered (${problem}); ${why}. The report (${size} bytes) is too large to print, so it is not kept.`,
    );
  }
  if (imageCount > 0) agent.setResult('SucceededWithIssues', 'pushed images could not be reported');
}

/** A few lines at most: the report carries every warning. */
function printNotes(warnings: readonly ReportWarning[], agent: AgentCommands): void {
  for (const w of warnings.slice(0, 3)) agent.info(`Note: ${w.message}`);
  if (warnings.length > 3) agent.info(`Note: and ${warnings.length - 3} more in the report.`);
}

/** Runs the full collection for a probe that found work. Never throws to the caller on expected failures. */
export async function runCollection(probe: Probe, deps: CollectorDependencies): Promise<void> {
  const { agent } = deps;
  const context = probe.context;
  if (context.staticToken) agent.setSecret(context.staticToken);
  if (context.jobToken) agent.setSecret(context.jobToken);
  if (context.proxy?.password) agent.setSecret(context.proxy.password);
  const api: PipelineApiOptions | undefined =
    context.jobToken && context.jobConnectionUrl
      ? {
          collectionUrl: context.jobConnectionUrl,
          jobToken: context.jobToken,
          timeoutMs: API_TIMEOUT_MS,
          ...(context.proxy ? { proxy: context.proxy } : {}),
        }
      : undefined;

  const warnings: ReportWarning[] = [];
  if (probe.engineProblem) warnings.push({ code: 'engine-unavailable', message: `Docker engine: ${probe.engineProblem}.` });
  const window = await jobWindow(context, api, probe, warnings, deps);
  if (!window) {
    agent.info("Nothing reported: the job's start time is unknown (no timeline and no System.PipelineStartTime).");
    return;
  }
  const sinceMs = Date.parse(window.since);

  const pushes = pushEvents(probe.events, sinceMs);
  // Podman keeps its whole events log: no buffer to overrun.
  const truncated = probe.eventsRead && !probe.podman && mayBeTruncated(probe.events, sinceMs);
  if (truncated) {
    warnings.push({
      code: 'events-truncated',
      message:
        "The Docker engine keeps only its last 256 events and the oldest it still has is newer than the job's start: pushes early in the job may be missing.",
    });
  }
  const restarted = probe.eventsRead && !probe.podman && engineRestarted(probe.engineStartedMs, sinceMs);
  if (restarted && probe.engineStartedMs !== undefined) {
    warnings.push({
      code: 'engine-restarted',
      message: `The Docker engine started at ${new Date(probe.engineStartedMs).toISOString()}, after the job started, and keeps its events only since then: pushes made before it (re)started may be missing.`,
    });
  }
  // Something to report is likely: ask for the service's token while the images are resolved.
  const signs = buildSigns(probe.events, sinceMs);
  const built = signs.engineBuild || signs.containerBuilders.length > 0;
  const likely = pushes.length > 0 || truncated || restarted || built || probe.metadataFiles.length > 0;
  const credentialsRequest = context.serviceUrl && likely ? serviceCredentials(context, api, probe, deps) : undefined;
  // BuildKit's pushes (Docker 28+ logs no push event for them), read while the pushes are resolved.
  const historyRequest = collectBuildHistory(
    probe.events,
    { sinceMs, untilMs: probe.untilMs },
    probe.endpoint,
    deps.now() + timeLeft(probe, BUILD_HISTORY_TIMEOUT_MS, deps),
    deps.readBuildHistory,
    probe.metadataFiles.length > 0,
  );
  let images: PushedImage[] = [];
  if (pushes.length > 0) {
    const untagged = untaggedRepositories(pushes);
    const listTags =
      untagged.length > 0
        ? deps.repositoryTags(probe.endpoint, timeLeft(probe, INSPECT_TIMEOUT_MS, deps), probe.engine?.apiVersion)
        : undefined;
    const localTags = new Map(await Promise.all(untagged.map(async (r) => [r, listTags ? await listTags(r) : []] as const)));
    const plan = planPushes(probe.events, pushes, localTags);
    warnings.push(...plan.warnings);
    const resolved = await resolvePushes(
      plan.pushes,
      deps.inspector(probe.endpoint, timeLeft(probe, INSPECT_TIMEOUT_MS, deps), probe.engine?.apiVersion),
      deps.registryDigest(timeLeft(probe, REGISTRY_TIMEOUT_MS, deps)),
    );
    images = resolved.images;
    warnings.push(...resolved.warnings);
  }
  const history = await historyRequest;
  mergeImages(images, history.images);
  warnings.push(...history.warnings);
  const buildx = imagesFromMetadata(deps.readMetadataFiles(probe.metadataFiles));
  mergeImages(images, buildx.images);
  warnings.push(...buildx.warnings);
  warnings.push(...unresolvedWarnings(history.unresolved, images));

  if (
    images.length === 0 &&
    !truncated &&
    !restarted &&
    warnings.every((w) => w.code === 'engine-unavailable' || w.code === 'timeline-unavailable')
  ) {
    agent.info('Nothing to report: no image was pushed in this job.');
    return;
  }

  let report: Report;
  try {
    const collector: Report['collector'] = { name: TASK_NAME, version: TASK_VERSION };
    if (probe.engine?.serverVersion) collector.dockerServerVersion = probe.engine.serverVersion;
    if (probe.engine?.apiVersion) collector.dockerApiVersion = probe.engine.apiVersion;
    report = buildReport(context.run, { collector, window, images, warnings });
  } catch (err) {
    if (err instanceof IncompleteRunError) {
      agent.info(`Nothing reported: ${err.message}.`);
      return;
    }
    throw err;
  }

  const runNumber = report.pipeline.runNumber;
  const summary =
    images.length === 0
      ? `No pushed image found in run ${runNumber}`
      : `Mapped ${images.length} pushed image${images.length === 1 ? '' : 's'} to run ${runNumber}: ${images.slice(0, 5).map(describeImage).join(', ')}${images.length > 5 ? `, and ${images.length - 5} more` : ''}`;

  let problem: string;
  if (!context.serviceUrl) {
    problem = 'no service URL is configured (ContainerMapping.ServiceUrl)';
  } else {
    const { credentials = [], note } = (await credentialsRequest) ?? {};
    const result = await deps.deliverReport({
      serviceUrl: context.serviceUrl,
      credentials,
      body: JSON.stringify(report),
      attemptTimeoutMs: DELIVERY_ATTEMPT_TIMEOUT_MS,
      deadlineMs: probe.deadlineMs - 1000,
      proxy: context.proxy,
    });
    if (result.delivered) {
      agent.info(`${summary}.`);
      // Which credential the service took, when it refused the first: never the token itself.
      if (result.refused && result.credential) {
        agent.info(
          `The service refused ${describeCredential(result.refused.credential)} (${result.refused.status}) and accepted ${describeCredential(result.credential)}.`,
        );
      }
      printNotes(report.warnings, agent);
      return;
    }
    problem = `${result.problem ?? 'not delivered'}${credentials.length > 0 ? '' : `; ${note}`}`;
  }

  agent.info(`${summary}.`);
  printNotes(report.warnings, agent);
  if (!backfillCollects(report.pipeline.hub)) {
    logUndeliveredReleaseReport(report, problem, images.length, agent);
    return;
  }
  const path = attachReport(report, context, deps);
  if (path) {
    agent.warn(`Container mapping: the report was not delivered (${problem}); it is attached to this run for the service to collect.`);
  } else {
    agent.warn(`Container mapping: the report was not delivered (${problem}) and could not be attached.`);
    if (images.length > 0) agent.setResult('SucceededWithIssues', 'pushed images could not be reported');
  }
}
