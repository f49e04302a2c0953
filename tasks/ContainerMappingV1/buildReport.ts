/**
 * Builds the Azure DevOps report (schema version 1) from the run's context and what the
 * collector found (collector/report.ts). Pure.
 */
import type { Report, ReportAgent, ReportPipeline, ReportSource } from '../../common/report';
import { REPORT_SCHEMA_VERSION } from '../../common/contract';
import { computeIdempotencyKey } from '../../common/idempotency';
import type { RunIdentity } from './settings';
import { withinReportLimits, type ReportParts } from '../../collector/report';

/** Raised when the agent did not give the variables that identify the run. */
export class IncompleteRunError extends Error {
  constructor(readonly missing: string[]) {
    super(`the agent did not set ${missing.join(', ')}`);
    this.name = 'IncompleteRunError';
  }
}

function clip(text: string | undefined, max: number): string | undefined {
  const t = text?.trim();
  return t ? t.slice(0, max) : undefined;
}

function isUrl(text: string | undefined): boolean {
  if (!text) return false;
  try {
    const u = new URL(text);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** `build` for build and YAML pipelines; `release` for classic releases and deployment groups. */
export function hubOf(run: RunIdentity): 'build' | 'release' {
  const host = run.hostType?.toLowerCase();
  if (host === 'release' || host === 'deployment') return 'release';
  if (host === 'build') return 'build';
  return run.releaseId !== undefined && run.buildId === undefined ? 'release' : 'build';
}

/** The pipeline section; throws `IncompleteRunError` when an identifying variable is missing. */
export function pipelineOf(run: RunIdentity): ReportPipeline {
  const hub = hubOf(run);
  const organizationUrl = clip(run.collectionUri, 500);
  const definitionId = hub === 'release' ? run.releaseDefinitionId : run.definitionId;
  const definitionName = clip(hub === 'release' ? run.releaseDefinitionName : run.definitionName, 500);
  const runId = hub === 'release' ? run.releaseId : run.buildId;
  const runNumber = clip(hub === 'release' ? run.releaseName : run.buildNumber, 500);
  const projectId = clip(run.projectId, 100);
  const projectName = clip(run.projectName, 300);
  const jobId = clip(run.jobId, 100);
  const missing: string[] = [];
  if (!organizationUrl || !isUrl(organizationUrl)) missing.push('System.CollectionUri');
  if (!projectId) missing.push('System.TeamProjectId');
  if (!projectName) missing.push('System.TeamProject');
  if (definitionId === undefined) missing.push(hub === 'release' ? 'Release.DefinitionId' : 'System.DefinitionId');
  if (!definitionName) missing.push(hub === 'release' ? 'Release.DefinitionName' : 'Build.DefinitionName');
  if (runId === undefined) missing.push(hub === 'release' ? 'Release.ReleaseId' : 'Build.BuildId');
  if (!runNumber) missing.push(hub === 'release' ? 'Release.ReleaseName' : 'Build.BuildNumber');
  if (!jobId) missing.push('System.JobId');
  if (
    missing.length > 0 ||
    !organizationUrl ||
    !projectId ||
    !projectName ||
    definitionId === undefined ||
    !definitionName ||
    runId === undefined ||
    !runNumber ||
    !jobId
  ) {
    throw new IncompleteRunError(missing);
  }
  const pipeline: ReportPipeline = {
    organizationUrl,
    projectId,
    projectName,
    hub,
    definitionId,
    definitionName,
    runId,
    runNumber,
    jobId,
    jobAttempt: run.jobAttempt !== undefined && run.jobAttempt >= 1 ? run.jobAttempt : 1,
  };
  const runUrl =
    hub === 'release'
      ? clip(run.releaseWebUrl, 2000)
      : `${organizationUrl.replace(/\/+$/, '')}/${encodeURIComponent(projectName)}/_build/results?buildId=${runId}`;
  if (runUrl && isUrl(runUrl)) pipeline.runUrl = runUrl;
  const jobName = clip(run.jobDisplayName ?? run.jobName, 500);
  if (jobName) pipeline.jobName = jobName;
  const stage = clip(run.stageDisplayName ?? run.stageName, 500);
  if (stage) pipeline.stage = stage;
  const reason = clip(run.reason, 100);
  if (reason) pipeline.reason = reason;
  return pipeline;
}

function sourceOf(run: RunIdentity): ReportSource {
  const source: ReportSource = {};
  const set = (key: keyof ReportSource, value: string | undefined, max: number) => {
    const v = clip(value, max);
    if (v) source[key] = v;
  };
  set('provider', run.repositoryProvider, 100);
  set('url', run.repositoryUri, 2000);
  set('name', run.repositoryName, 500);
  set('id', run.repositoryId, 200);
  set('commit', run.sourceVersion, 200);
  set('branch', run.sourceBranch, 1000);
  return source;
}

function agentOf(run: RunIdentity): ReportAgent {
  const agent: ReportAgent = {};
  const name = clip(run.agentName, 500);
  if (name) agent.name = name;
  const os = clip(run.agentOs, 100);
  if (os) agent.os = os;
  if (run.agentSelfHosted !== undefined) agent.selfHosted = run.agentSelfHosted;
  return agent;
}

/** Builds the report. Throws `IncompleteRunError` when the run cannot be identified. */
export function buildReport(run: RunIdentity, parts: ReportParts): Report {
  const pipeline = pipelineOf(run);
  const { images, warnings } = withinReportLimits(parts);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    idempotencyKey: computeIdempotencyKey({
      organizationUrl: pipeline.organizationUrl,
      projectId: pipeline.projectId,
      hub: pipeline.hub,
      runId: pipeline.runId,
      jobId: pipeline.jobId,
      jobAttempt: pipeline.jobAttempt,
    }),
    collector: parts.collector,
    pipeline,
    source: sourceOf(run),
    agent: agentOf(run),
    window: parts.window,
    images,
    warnings,
  };
}
