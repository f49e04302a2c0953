/**
 * The task's full collection, run only when the first look found something to report: the
 * collector's flow (collector/collection.ts) with the Azure DevOps host around it. The host
 * reads the job's window from the build timeline, asks for the job's OIDC token, builds the
 * schema-1 report from the agent's variables, and attaches an undelivered report to the run.
 * Everything it does to the outside world goes through `CollectorDependencies`, built for
 * real in one place (`collect.ts`, the collector bundle's entry), so that every branch is
 * tested without an engine, an organisation or an agent.
 */
import type { Report, ReportWarning, ReportWindow } from '../../common/report';
import type { Probe } from './probe';
import type { RunContext } from './settings';
import { parseAgentTime } from '../../collector/events';
import { buildReport, hubOf, IncompleteRunError } from './buildReport';
import type { Outcome, PipelineApiOptions } from './pipelineApi';
import type { Credential } from '../../collector/deliver';
import { REPORT_ATTACHMENT_TYPE } from '../../common/contract';
import { attachmentName, backfillCollects, MAX_LOGGED_REPORT_BYTES } from './attachment';
import { TASK_NAME, TASK_VERSION } from './version';
import {
  collectAndReport,
  timeLeft,
  type CollectionDependencies,
  type CollectionHost,
  type ServiceCredentials,
} from '../../collector/collection';

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
  /** Writes a debug line (`task.debug`); called only when the run has System.Debug. */
  debug?(line: string): void;
}

/** Everything the collection does outside its own memory: the collector's dependencies and the agent's. */
export interface CollectorDependencies extends CollectionDependencies {
  /** The job's start time from the build timeline (see pipelineApi.ts). */
  jobStartTime(options: PipelineApiOptions, projectId: string, buildId: number, jobId: string): Promise<Outcome<string>>;
  /** The job's OIDC token for the service (see pipelineApi.ts). */
  createOidcToken(options: PipelineApiOptions, projectId: string, hub: string, planId: string, jobId: string): Promise<Outcome<string>>;
  /** Writes `text` to the file `name` in `folder` (the system's temp folder when undefined), creating it; returns its path; throws when it cannot. */
  writeFile(folder: string | undefined, name: string, text: string): string;
  /** Attaches a file to the run (`task.addattachment`); throws when it cannot. */
  addAttachment(type: string, name: string, path: string): void;
  agent: AgentCommands;
}

const API_TIMEOUT_MS = 5000;

/** A debug line, when the run has System.Debug (never a token: outcomes carry none). */
function debugLine(context: RunContext, deps: CollectorDependencies, line: string): void {
  if (context.debug) deps.agent.debug?.(line);
}

/** The job's start time from the timeline, asked at once; undefined when it cannot be asked (no API, a release). */
function timelineStart(
  context: RunContext,
  api: PipelineApiOptions | undefined,
  probe: Probe,
  deps: CollectorDependencies,
): Promise<Outcome<string>> | undefined {
  const run = context.run;
  if (!(api && hubOf(run) === 'build' && run.projectId && run.buildId !== undefined && run.jobId)) return undefined;
  const asked = deps.jobStartTime({ ...api, timeoutMs: timeLeft(probe, API_TIMEOUT_MS, deps.now) }, run.projectId, run.buildId, run.jobId);
  void asked.then(
    (start) => debugLine(context, deps, `Timeline: ${start.ok ? `the job started at ${start.value}` : start.reason}.`),
    () => undefined,
  );
  return asked;
}

/** The job's window: its timeline start, else the pipeline's start. */
async function jobWindow(
  context: RunContext,
  timeline: Promise<Outcome<string>> | undefined,
  until: string,
  warnings: ReportWarning[],
): Promise<ReportWindow | undefined> {
  if (timeline) {
    const start = await timeline;
    if (start.ok) return { since: start.value, until, sinceSource: 'timeline' };
    warnings.push({
      code: 'timeline-unavailable',
      message: `The job's start time could not be read from the timeline (${start.reason}); the pipeline's start time is used.`,
    });
  }
  const pipelineStart = parseAgentTime(context.run.pipelineStartTime);
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
  onStart: (abandon: () => void) => void,
): Promise<ServiceCredentials> {
  const run = context.run;
  const credentials: Credential[] = [];
  let note: string | undefined;
  if (api && run.projectId && run.hostType && run.planId && run.jobId) {
    const oidc = await deps.createOidcToken(
      { ...api, timeoutMs: timeLeft(probe, API_TIMEOUT_MS, deps.now), onStart },
      run.projectId,
      run.hostType,
      run.planId,
      run.jobId,
    );
    debugLine(context, deps, `OIDC token: ${oidc.ok ? 'received' : oidc.reason}.`);
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
 * The report as one log line of JSON that the agent cannot read as a command: a label or name
 * holding `##vso[` or `##[` would otherwise be run by the agent (it finds `##vso[` anywhere in
 * a line). Such text only stands inside JSON strings, where `\u005b` means the same `[`, so the
 * line still parses back to the same report.
 */
export function reportLogLine(report: Report): string {
  return JSON.stringify(report).replace(/##(vso)?\[/g, (found) => `${found.slice(0, -1)}\\u005b`);
}

/**
 * A release job's undelivered report: not attached (backfill reads build attachments only), so
 * it is printed into this step's log, the one place it is kept, for an admin to send by hand.
 */
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

/**
 * The Azure DevOps host of the collector's flow, for one probe. Both Azure DevOps calls start
 * at once, the moment the first look found work, and run while the engine is asked: the
 * timeline (the window needs it first) and, when a service is configured, the OIDC token (the
 * report needs it last). The token is asked on speculation: a window that turns out to hold
 * nothing to report never uses it, and `abandon` then drops the call instead of waiting for it.
 */
function azureDevOpsHost(probe: Probe, deps: CollectorDependencies): CollectionHost<Report> & { abandon(): void } {
  const { agent } = deps;
  const context = probe.context;
  const api: PipelineApiOptions | undefined =
    context.jobToken && context.jobConnectionUrl
      ? {
          collectionUrl: context.jobConnectionUrl,
          jobToken: context.jobToken,
          timeoutMs: API_TIMEOUT_MS,
          ...(context.proxy ? { proxy: context.proxy } : {}),
        }
      : undefined;
  const timeline = timelineStart(context, api, probe, deps);
  let abandonToken: (() => void) | undefined;
  const credentials = context.serviceUrl ? serviceCredentials(context, api, probe, deps, (abandon) => (abandonToken = abandon)) : undefined;
  // Awaited by the flow when it reports; a rejection meanwhile must not count as unhandled.
  credentials?.catch(() => undefined);
  return {
    log: agent,
    collector: { name: TASK_NAME, version: TASK_VERSION },
    service: context.serviceUrl
      ? { url: context.serviceUrl, proxy: context.proxy }
      : { missing: 'no service URL is configured (ContainerMapping.ServiceUrl)' },
    async jobWindow(until, warnings) {
      const window = await jobWindow(context, timeline, until, warnings);
      if (window) debugLine(context, deps, `Window: ${window.since} to ${window.until} (${window.sinceSource}).`);
      return window ? { window } : { unknown: "the job's start time is unknown (no timeline and no System.PipelineStartTime)" };
    },
    credentials: () => credentials ?? Promise.resolve({ credentials: [], note: 'no service URL' }),
    buildReport(parts) {
      try {
        return { report: buildReport(context.run, parts) };
      } catch (err) {
        if (err instanceof IncompleteRunError) return { unknown: err.message };
        throw err;
      }
    },
    runLabel: (report) => `run ${report.pipeline.runNumber}`,
    keepUndelivered(report, problem, imageCount) {
      if (!backfillCollects(report.pipeline.hub)) {
        logUndeliveredReleaseReport(report, problem, imageCount, agent);
        return;
      }
      const path = attachReport(report, context, deps);
      if (path) {
        agent.warn(`Container mapping: the report was not delivered (${problem}); it is attached to this run for the service to collect.`);
      } else {
        agent.warn(`Container mapping: the report was not delivered (${problem}) and could not be attached.`);
        if (imageCount > 0) agent.setResult('SucceededWithIssues', 'pushed images could not be reported');
      }
    },
    abandon: () => abandonToken?.(),
  };
}

/** Runs the full collection for a probe that found work. Never throws to the caller on expected failures. */
export async function runCollection(probe: Probe, deps: CollectorDependencies): Promise<void> {
  const { agent } = deps;
  const context = probe.context;
  if (context.staticToken) agent.setSecret(context.staticToken);
  if (context.jobToken) agent.setSecret(context.jobToken);
  if (context.proxy?.password) agent.setSecret(context.proxy.password);
  const host = azureDevOpsHost(probe, deps);
  try {
    await collectAndReport(probe, deps, host);
  } finally {
    host.abandon();
  }
}
