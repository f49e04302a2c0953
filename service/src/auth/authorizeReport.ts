/**
 * Holds a verified principal against the report it sends: a pipeline token speaks only for
 * exactly what its claims name (organisation, project, pipeline, run, build hub, repository,
 * commit, branch, and the project and pipeline names in its subject); a report backfilled from
 * a build's attachment only for what that build says of itself, held the same way; a bound
 * static token only for its organisation and project. Also says which names the principal
 * vouches for: only those are matched by the name filters of the read API.
 */
import type { Report, ReportSource } from '../../../common/report';
import { normalizeOrganizationUrl } from '../../../common/idempotency';
import { forbidden, unauthenticated, type FieldError } from '../errors';
import type { VerifiedNames } from '../verifiedNames';
import {
  CLAIM_TO_REPORT_FIELD,
  OPTIONAL_CLAIMS,
  optionalClaim,
  parsePipelineSubject,
  type AzureDevOpsPipelineClaims,
} from './azureDevOpsClaims';
import type { AttachmentPrincipal, Principal, TokenPrincipal } from './principal';
import { organizationMatches, parseOrganizationBinding } from './staticTokens';

/** Repository URLs compare without user info (`https://org@dev.azure.com/…`), case or trailing slash. */
export function normalizeRepositoryUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '').toLowerCase();
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

/** A branch as a full ref: `main` is `refs/heads/main`; full refs (`refs/tags/v1`, `refs/pull/7/merge`) stay. */
export function normalizeBranch(branch: string): string {
  const trimmed = branch.trim();
  return trimmed.startsWith('refs/') ? trimmed : `refs/heads/${trimmed}`;
}

/** Names compare as Azure DevOps compares them (case-insensitively); the subject's may be percent-encoded. */
function sameName(fromToken: string, fromReport: string): boolean {
  const wanted = fromReport.normalize('NFC').toLowerCase();
  if (fromToken.normalize('NFC').toLowerCase() === wanted) return true;
  try {
    return decodeURIComponent(fromToken).normalize('NFC').toLowerCase() === wanted;
  } catch {
    return false;
  }
}

/**
 * True when `name` is a name the repository URL gives its repository: the last path segment
 * (Azure Repos `…/_git/web-api`, Bitbucket) or the whole path (GitHub `owner/repo`), without `.git`.
 */
export function isRepositoryNameOf(url: string, name: string): boolean {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url.trim()).pathname)
      .replace(/^\/+|\/+$/g, '')
      .replace(/\.git$/i, '')
      .toLowerCase();
  } catch {
    return false;
  }
  const wanted = name.trim().toLowerCase();
  return wanted !== '' && (wanted === path || wanted === path.split('/').pop());
}

/** How each repository claim compares with its report field. */
const SOURCE_FIELD = { rpo_id: 'id', rpo_uri: 'url', rpo_ver: 'commit', rpo_ref: 'branch' } as const satisfies Record<
  (typeof OPTIONAL_CLAIMS)[number],
  keyof ReportSource
>;
const SAME_SOURCE: Record<(typeof OPTIONAL_CLAIMS)[number], (claim: string, field: string) => boolean> = {
  rpo_id: (claim, field) => claim.toLowerCase() === field.toLowerCase(),
  rpo_uri: (claim, field) => normalizeRepositoryUrl(claim) === normalizeRepositoryUrl(field),
  rpo_ver: (claim, field) => claim.toLowerCase() === field.toLowerCase(),
  rpo_ref: (claim, field) => normalizeBranch(claim) === normalizeBranch(field),
};

/** The report's repository fields that credentials may vouch for. */
type SourceField = (typeof SOURCE_FIELD)[keyof typeof SOURCE_FIELD];

/**
 * Holds the report's repository fields against what the credentials say (`known`): each field
 * known must agree, and each the report leaves out is taken from `known`.
 * @returns the pointers that disagree, and the source to store.
 */
function holdSource(
  known: Partial<Record<SourceField, string>>,
  sent: ReportSource,
  detail: (claim: (typeof OPTIONAL_CLAIMS)[number]) => string,
): { mismatches: FieldError[]; source: ReportSource; filled: boolean } {
  const mismatches: FieldError[] = [];
  const source: ReportSource = { ...sent };
  let filled = false;
  for (const claim of OPTIONAL_CLAIMS) {
    const field = SOURCE_FIELD[claim];
    const value = known[field];
    if (value === undefined || value === '') continue;
    const given = source[field];
    if (given === undefined) {
      source[field] = value;
      filled = true;
    } else if (!SAME_SOURCE[claim](value, given)) {
      mismatches.push({ pointer: CLAIM_TO_REPORT_FIELD[claim], detail: detail(claim) });
    }
  }
  return { mismatches, source, filled };
}

/** What a principal may write, once held against the report. */
export interface AuthorizedReport {
  /** The report to store: the one sent, with the repository fields it left out filled from the token. */
  report: Report;
  /** Which of its names the principal vouches for (the others are stored but never matched by a name filter). */
  verifiedNames: VerifiedNames;
}

/**
 * The mismatches between a pipeline token's claims and the report, one per field, and the
 * report with the repository fields it leaves out taken from the token.
 * @throws ProblemError 401 when a repository claim is not text (nothing Azure DevOps issues).
 */
export function holdPipelineClaims(
  claims: AzureDevOpsPipelineClaims,
  organizationUrl: string,
  report: Report,
): { mismatches: FieldError[]; report: Report; verifiedNames: VerifiedNames } {
  const out: FieldError[] = [];
  const p = report.pipeline;
  const mismatch = (claim: keyof typeof CLAIM_TO_REPORT_FIELD, detail: string) =>
    out.push({ pointer: CLAIM_TO_REPORT_FIELD[claim], detail });
  if (normalizeOrganizationUrl(p.organizationUrl) !== normalizeOrganizationUrl(organizationUrl)) {
    mismatch('org_id', `the token's organisation is ${organizationUrl}`);
  }
  if (claims.prj_id.toLowerCase() !== p.projectId.toLowerCase()) mismatch('prj_id', "does not match the token's prj_id");
  // The token's run_id is Build.BuildId and def_id the build pipeline's id: it speaks for a
  // build run, never for the classic release of the same number.
  if (p.hub !== 'build')
    mismatch(
      'hub',
      'a pipeline token speaks for a build run (its run_id is Build.BuildId); classic releases report with a static ingest token',
    );
  if (claims.def_id !== String(p.definitionId)) mismatch('def_id', "does not match the token's def_id");
  if (claims.run_id !== String(p.runId)) mismatch('run_id', "does not match the token's run_id");

  const subject = parsePipelineSubject(claims.sub);
  if (subject) {
    if (!sameName(subject.project, p.projectName)) mismatch('sub_project', `the token's subject names project "${subject.project}"`);
    if (!sameName(subject.pipeline, p.definitionName)) mismatch('sub_pipeline', `the token's subject names pipeline "${subject.pipeline}"`);
  }

  const known: Partial<Record<SourceField, string>> = {};
  for (const claim of OPTIONAL_CLAIMS) {
    let value: string | undefined;
    try {
      value = optionalClaim(claims, claim);
    } catch (err) {
      throw unauthenticated(`${(err as Error).message}: it is not an Azure DevOps pipeline job token`);
    }
    if (value !== undefined) known[SOURCE_FIELD[claim]] = value;
  }
  const { mismatches, source, filled } = holdSource(known, report.source, (claim) => `does not match the token's ${claim}`);
  out.push(...mismatches);
  // Without a readable subject the token names ids only; the repository's name is vouched for
  // only when it is the name the token's repository URL gives it.
  const repositoryUrl = optionalClaim(claims, 'rpo_uri');
  const sourceName = source.name;
  return {
    mismatches: out,
    report: filled ? { ...report, source } : report,
    verifiedNames: {
      project: subject !== null,
      pipeline: subject !== null,
      sourceRepository: sourceName === undefined || (repositoryUrl !== undefined && isRepositoryNameOf(repositoryUrl, sourceName)),
    },
  };
}

/**
 * The mismatches between the build an attachment is filed under and the report in it, held as
 * strictly as a pipeline token's claims: organisation (the one the backfill reads), project,
 * build hub, pipeline and run must all be the build's, and so must the project and pipeline
 * names and the repository, commit and branch wherever the build names them; a repository
 * field the report leaves out is taken from the build. A build that does not say its project
 * or pipeline vouches for nothing. Names are vouched for only where the build names them.
 */
export function holdAttachedBuild(
  principal: AttachmentPrincipal,
  report: Report,
): { mismatches: FieldError[]; report: Report; verifiedNames: VerifiedNames } {
  const out: FieldError[] = [];
  const p = report.pipeline;
  const { run } = principal;
  const mismatch = (pointer: string, detail: string) => out.push({ pointer, detail });
  if (normalizeOrganizationUrl(p.organizationUrl) !== normalizeOrganizationUrl(principal.organizationUrl)) {
    mismatch('/pipeline/organizationUrl', `the backfill reads organisation ${principal.organizationUrl}`);
  }
  if (!run.projectId) mismatch('/pipeline/projectId', 'the build the attachment is filed under does not say its project');
  else if (run.projectId.toLowerCase() !== p.projectId.toLowerCase())
    mismatch('/pipeline/projectId', `the attachment's build belongs to project ${run.projectId}`);
  if (p.hub !== 'build') mismatch('/pipeline/hub', 'the attachment is filed under a build run, not a classic release');
  if (run.definitionId === undefined)
    mismatch('/pipeline/definitionId', 'the build the attachment is filed under does not say its pipeline');
  else if (run.definitionId !== p.definitionId)
    mismatch('/pipeline/definitionId', `the attachment's build is a run of pipeline ${run.definitionId}`);
  if (run.id !== p.runId) mismatch('/pipeline/runId', `the attachment is filed under build ${run.id}`);
  if (run.projectName !== undefined && !sameName(run.projectName, p.projectName))
    mismatch('/pipeline/projectName', `the attachment's build names project "${run.projectName}"`);
  if (run.definitionName !== undefined && !sameName(run.definitionName, p.definitionName)) {
    mismatch('/pipeline/definitionName', `the attachment's build names pipeline "${run.definitionName}"`);
  }
  const repository = run.repository ?? {};
  const known = {
    ...(repository.id ? { id: repository.id } : {}),
    ...(repository.url ? { url: repository.url } : {}),
    ...(run.sourceVersion ? { commit: run.sourceVersion } : {}),
    ...(run.sourceBranch ? { branch: run.sourceBranch } : {}),
  };
  const { mismatches, source, filled } = holdSource(
    known,
    report.source,
    (claim) => `does not match the ${BUILD_FIELD[claim]} of the build the attachment is filed under`,
  );
  out.push(...mismatches);
  // As with a token, a repository name that is not the build's is kept but not vouched for.
  const name = source.name;
  return {
    mismatches: out,
    report: filled ? { ...report, source } : report,
    verifiedNames: {
      project: run.projectName !== undefined,
      pipeline: run.definitionName !== undefined,
      sourceRepository:
        name === undefined ||
        (repository.name !== undefined && sameName(repository.name, name)) ||
        (repository.url !== undefined && isRepositoryNameOf(repository.url, name)),
    },
  };
}

/** The build's field (Builds API) each repository claim corresponds to, for messages. */
const BUILD_FIELD: Record<(typeof OPTIONAL_CLAIMS)[number], string> = {
  rpo_id: 'repository.id',
  rpo_uri: 'repository.url',
  rpo_ver: 'sourceVersion',
  rpo_ref: 'sourceBranch',
};

function tokenMismatches(principal: TokenPrincipal, report: Report): FieldError[] {
  const out: FieldError[] = [];
  const { organization, project } = principal.token;
  const p = report.pipeline;
  if (organization !== undefined) {
    const binding = parseOrganizationBinding(organization);
    if ('problem' in binding || !organizationMatches(binding, p.organizationUrl)) {
      const names =
        'kind' in binding && binding.kind === 'name'
          ? ` (https://dev.azure.com/${binding.name} or https://${binding.name}.visualstudio.com)`
          : '';
      out.push({ pointer: '/pipeline/organizationUrl', detail: `this token is bound to organisation ${organization}${names}` });
    }
  }
  if (project !== undefined && project.toLowerCase() !== p.projectId.toLowerCase()) {
    out.push({ pointer: '/pipeline/projectId', detail: `this token is bound to project id ${project}` });
  }
  return out;
}

/**
 * Holds the principal against the report.
 * @returns the report to store and the names the principal vouches for.
 * @throws ProblemError 403 naming each report field the principal may not speak for.
 */
export function authorizeReport(principal: Principal, report: Report): AuthorizedReport {
  let fields: FieldError[] = [];
  // A static token not bound to a project may write any project, pipeline and repository of its
  // reach under any id, so its names claim nothing its ids could not.
  let authorized: AuthorizedReport = { report, verifiedNames: { project: true, pipeline: true, sourceRepository: true } };
  if (principal.kind === 'pipeline') {
    const held = holdPipelineClaims(principal.claims, principal.organization.url, report);
    fields = held.mismatches;
    authorized = { report: held.report, verifiedNames: held.verifiedNames };
  } else if (principal.kind === 'attachment') {
    const held = holdAttachedBuild(principal, report);
    fields = held.mismatches;
    authorized = { report: held.report, verifiedNames: held.verifiedNames };
  } else if (principal.kind === 'github') {
    fields = [
      { pointer: '/schemaVersion', detail: 'a GitHub Actions token speaks for a GitHub run: it sends a version-2 (GitHub) report' },
    ];
  } else if (principal.kind === 'github-artifact') {
    fields = [
      { pointer: '/schemaVersion', detail: 'a GitHub workflow artifact speaks for a GitHub run: it holds a version-2 (GitHub) report' },
    ];
  } else if (principal.kind === 'token') {
    fields = tokenMismatches(principal, report);
    // A token bound to one project may name its pipelines and repositories (it may write any of
    // them, and a pipeline may build from any repository), but the project's name is only what
    // the report says: it must not find the report under another project's name.
    if (principal.token.project !== undefined)
      authorized = { report, verifiedNames: { project: false, pipeline: true, sourceRepository: true } };
  }
  if (fields.length > 0) {
    const names = fields.map((f) => f.pointer).join(', ');
    throw forbidden(`the credentials may not report for this run: ${names} ${fields.length === 1 ? 'does' : 'do'} not match`, fields);
  }
  return authorized;
}
