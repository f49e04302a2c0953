/**
 * Turning reports into rows and rows into answers, in one place for both databases.
 */
import type { Report } from '../../../common/report';
import { normalizeOrganizationUrl } from '../../../common/idempotency';
import { formatImageReference } from '../../../common/imageReference';
import { formatTimestamp, parseTimestamp } from '../../../common/timestamp';
import type { Attribution, GitHubRunAnswer, ImageDetail, ImagePush } from '../schemas/images';
import type { IngestContext } from './store';

/** The columns of `reports` that `insertReportSql` writes, in order. */
export const REPORT_COLUMNS = [
  'idempotency_key',
  'organization_url',
  'organization_name',
  'project_id',
  'project_name',
  'hub',
  'definition_id',
  'definition_name',
  'run_id',
  'run_number',
  'run_url',
  'job_id',
  'job_name',
  'job_attempt',
  'stage',
  'source_provider',
  'source_url',
  'source_name',
  'source_id',
  'commit_sha',
  'branch',
  'agent_name',
  'agent_os',
  'agent_self_hosted',
  'principal',
  'received_at_ms',
  'report_json',
  'project_name_verified',
  'definition_name_verified',
  'source_name_verified',
  'provider',
  'github_server_url',
  'github_owner_id',
  'github_workflow_ref',
  'github_runner_environment',
  'github_event_name',
] as const;

/** The columns of `pushes` that an ingestion writes, in order. */
export const PUSH_COLUMNS = [
  'report_id',
  'digest',
  'registry',
  'repository',
  'tag',
  'image_id',
  'os',
  'architecture',
  'origin',
  'pushed_at',
  'pushed_at_ms',
  'run_key',
] as const;

type Value = string | number | boolean | null;

/**
 * The organisation's short name: `contoso` for `https://dev.azure.com/contoso` and
 * `https://contoso.visualstudio.com`; the collection for Azure DevOps Server.
 */
export function organizationName(url: string): string {
  const normalized = normalizeOrganizationUrl(url);
  try {
    const parsed = new URL(normalized);
    const segments = parsed.pathname.split('/').filter(Boolean);
    const last = segments[segments.length - 1];
    if (last) {
      // `%00` or a lone surrogate would decode to text the stores cannot hold: keep those encoded.
      const decoded = decodeURIComponent(last);
      return decoded.includes('\u0000') ? last : decoded;
    }
    return parsed.hostname.replace(/\.visualstudio\.com$/, '');
  } catch {
    return normalized;
  }
}

/** The identity of a run; jobs of one run share it. */
export function runKey(report: Report): string {
  const p = report.pipeline;
  return `${normalizeOrganizationUrl(p.organizationUrl)}|${p.projectId.toLowerCase()}|${p.hub}|${p.runId}`;
}

/** Values for `REPORT_COLUMNS`; `json` is `JSON.stringify(report)` when the caller already has it. */
export function reportValues(report: Report, context: IngestContext, json: string = JSON.stringify(report)): Value[] {
  const p = report.pipeline;
  const s = report.source;
  return [
    report.idempotencyKey,
    normalizeOrganizationUrl(p.organizationUrl),
    organizationName(p.organizationUrl).toLowerCase(),
    p.projectId.toLowerCase(),
    p.projectName,
    p.hub,
    p.definitionId,
    p.definitionName,
    p.runId,
    p.runNumber,
    p.runUrl ?? null,
    p.jobId,
    p.jobName ?? null,
    p.jobAttempt,
    p.stage ?? null,
    s.provider ?? null,
    s.url ?? null,
    s.name ?? null,
    s.id ?? null,
    s.commit?.toLowerCase() ?? null,
    s.branch ?? null,
    report.agent.name ?? null,
    report.agent.os ?? null,
    report.agent.selfHosted ?? null,
    context.principal,
    context.receivedAt.getTime(),
    json,
    context.verifiedNames?.project ?? true,
    context.verifiedNames?.pipeline ?? true,
    context.verifiedNames?.sourceRepository ?? true,
    context.github === undefined ? 'azure-devops' : 'github',
    context.github?.serverUrl ?? null,
    context.github?.ownerId ?? null,
    context.github?.workflowRef ?? null,
    context.github?.runnerEnvironment ?? null,
    context.github?.eventName ?? null,
  ];
}

/**
 * Values for `PUSH_COLUMNS`, one array per distinct push: a report that lists the same
 * reference and digest twice keeps its earliest push.
 */
export function pushValues(report: Report, reportId: number): Value[][] {
  const key = runKey(report);
  const byReference = new Map<string, Value[]>();
  for (const image of report.images) {
    const id = `${image.digest}\u0000${image.registry}\u0000${image.repository}\u0000${image.tag ?? ''}`;
    // validateReport has made sure that every pushedAt has an instant.
    const pushedAtMs = parseTimestamp(image.pushedAt) ?? Number.NaN;
    if (Number.isNaN(pushedAtMs)) throw new Error(`pushedAt ${JSON.stringify(image.pushedAt)} was not validated`);
    const existing = byReference.get(id);
    if (existing && Number(existing[10]) <= pushedAtMs) continue;
    byReference.set(id, [
      reportId,
      image.digest,
      image.registry,
      image.repository,
      image.tag ?? null,
      image.imageId ?? null,
      image.os ?? null,
      image.architecture ?? null,
      image.origin,
      formatTimestamp(pushedAtMs),
      pushedAtMs,
      key,
    ]);
  }
  return [...byReference.values()];
}

/** The columns every push query selects, joined with its report. */
export const PUSH_SELECT = `
  SELECT p.id, p.digest, p.registry, p.repository, p.tag, p.image_id, p.os, p.architecture, p.origin,
         p.pushed_at, p.pushed_at_ms, p.attribution, p.attribution_reason,
         r.organization_url, r.organization_name, r.project_id, r.project_name, r.hub, r.definition_id,
         r.definition_name, r.run_id, r.run_number, r.run_url, r.job_id, r.job_name, r.job_attempt, r.stage,
         r.source_provider, r.source_url, r.source_name, r.source_id, r.commit_sha, r.branch,
         r.agent_name, r.agent_os, r.agent_self_hosted, r.received_at_ms,
         r.provider, r.github_server_url, r.github_owner_id, r.github_workflow_ref, r.github_runner_environment, r.github_event_name
    FROM pushes p JOIN reports r ON r.id = p.report_id`;

/** A row of `PUSH_SELECT`. */
export type PushRow = Record<string, unknown>;

const str = (v: unknown): string => String(v);
const opt = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Maps a row of `PUSH_SELECT` to the API's push. */
export function toImagePush(row: PushRow): ImagePush {
  const tag = opt(row.tag);
  const ref = { registry: str(row.registry), repository: str(row.repository), digest: str(row.digest) };
  return {
    digest: ref.digest,
    registry: ref.registry,
    repository: ref.repository,
    tag,
    reference: formatImageReference(tag === null ? ref : { ...ref, tag }),
    pushedAt: str(row.pushed_at),
    origin: str(row.origin),
    imageId: opt(row.image_id),
    os: opt(row.os),
    architecture: opt(row.architecture),
    attribution: str(row.attribution) as Attribution,
    attributionReason: opt(row.attribution_reason),
    organization: { url: str(row.organization_url), name: str(row.organization_name) },
    project: { id: str(row.project_id), name: str(row.project_name) },
    pipeline: { id: Number(row.definition_id), name: str(row.definition_name), hub: str(row.hub) },
    run: { id: Number(row.run_id), number: str(row.run_number), url: opt(row.run_url) },
    job: { id: str(row.job_id), name: opt(row.job_name), attempt: Number(row.job_attempt), stage: opt(row.stage) },
    sourceRepository: { provider: opt(row.source_provider), url: opt(row.source_url), name: opt(row.source_name), id: opt(row.source_id) },
    commit: opt(row.commit_sha),
    branch: opt(row.branch),
    agent: {
      name: opt(row.agent_name),
      os: opt(row.agent_os),
      selfHosted: row.agent_self_hosted === null || row.agent_self_hosted === undefined ? null : Boolean(row.agent_self_hosted),
    },
    reportedAt: new Date(Number(row.received_at_ms)).toISOString(),
    provider: row.provider === 'github' ? 'github' : 'azure-devops',
    github: row.provider === 'github' ? toGitHubRun(row) : null,
  };
}

/** The GitHub side of a push's run, with the links to the run attempt and the commit. */
function toGitHubRun(row: PushRow): GitHubRunAnswer {
  const serverUrl = str(row.github_server_url);
  const repository = str(row.project_name);
  const runId = Number(row.run_id);
  const runAttempt = Number(row.job_attempt);
  const sha = opt(row.commit_sha);
  return {
    serverUrl,
    owner: str(row.organization_name),
    ownerId: str(row.github_owner_id),
    repository,
    repositoryId: str(row.project_id),
    workflow: str(row.definition_name),
    workflowRef: str(row.github_workflow_ref),
    runId,
    runNumber: Number(row.run_number),
    runAttempt,
    job: str(row.job_id),
    runnerEnvironment: opt(row.github_runner_environment),
    eventName: opt(row.github_event_name),
    runUrl: gitHubRunUrl(serverUrl, repository, runId, runAttempt),
    commitUrl: sha === null ? null : `${serverUrl}/${repository}/commit/${sha}`,
  };
}

/** `{server}/{owner}/{repo}/actions/runs/{run id}/attempts/{attempt}`: one attempt of a workflow run on GitHub. */
export function gitHubRunUrl(serverUrl: string, repository: string, runId: number, runAttempt: number): string {
  return `${serverUrl.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}/attempts/${runAttempt}`;
}

/** Assembles `GET /api/v1/images/{digest}` from the pushes of one digest, newest first. */
export function toImageDetail(digest: string, pushes: ImagePush[]): ImageDetail {
  const references = new Map<string, ImageDetail['references'][number]>();
  for (const push of pushes) {
    const key = `${push.registry}\u0000${push.repository}\u0000${push.tag ?? ''}`;
    const seen = references.get(key);
    if (!seen) {
      references.set(key, {
        registry: push.registry,
        repository: push.repository,
        tag: push.tag,
        firstPushedAt: push.pushedAt,
        lastPushedAt: push.pushedAt,
      });
    } else {
      if (push.pushedAt < seen.firstPushedAt) seen.firstPushedAt = push.pushedAt;
      if (push.pushedAt > seen.lastPushedAt) seen.lastPushedAt = push.pushedAt;
    }
  }
  return {
    digest,
    attribution: pushes.some((p) => p.attribution === 'ambiguous') ? 'ambiguous' : 'exclusive',
    references: [...references.values()],
    pushes,
  };
}
