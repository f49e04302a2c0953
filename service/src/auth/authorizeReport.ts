/**
 * Holds a verified principal against the report it sends: a pipeline token speaks only for
 * its own organisation, project, pipeline, run and repository; a bound static token only for
 * its organisation and project.
 */
import type { Report } from '../../../common/report';
import { normalizeOrganizationUrl } from '../../../common/idempotency';
import { forbidden, type FieldError } from '../errors';
import { organizationName } from '../store/rows';
import { CLAIM_TO_REPORT_FIELD, type AzureDevOpsPipelineClaims } from './azureDevOpsClaims';
import type { PipelinePrincipal, Principal, TokenPrincipal } from './principal';

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

/** The mismatches between a pipeline token's claims and the report, one per field. */
export function pipelineMismatches(claims: AzureDevOpsPipelineClaims, organizationUrl: string, report: Report): FieldError[] {
  const out: FieldError[] = [];
  const p = report.pipeline;
  const s = report.source;
  const mismatch = (claim: keyof typeof CLAIM_TO_REPORT_FIELD, detail: string) =>
    out.push({ pointer: CLAIM_TO_REPORT_FIELD[claim], detail });
  if (normalizeOrganizationUrl(p.organizationUrl) !== normalizeOrganizationUrl(organizationUrl)) {
    mismatch('org_id', `the token's organisation is ${organizationUrl}`);
  }
  if (claims.prj_id.toLowerCase() !== p.projectId.toLowerCase()) mismatch('prj_id', "does not match the token's prj_id");
  if (claims.def_id !== String(p.definitionId)) mismatch('def_id', "does not match the token's def_id");
  if (claims.run_id !== String(p.runId)) mismatch('run_id', "does not match the token's run_id");
  if (claims.rpo_id !== undefined && s.id !== undefined && claims.rpo_id.toLowerCase() !== s.id.toLowerCase()) {
    mismatch('rpo_id', "does not match the token's rpo_id");
  }
  if (claims.rpo_uri !== undefined && s.url !== undefined && normalizeRepositoryUrl(claims.rpo_uri) !== normalizeRepositoryUrl(s.url)) {
    mismatch('rpo_uri', "does not match the token's rpo_uri");
  }
  if (claims.rpo_ver !== undefined && s.commit !== undefined && claims.rpo_ver.toLowerCase() !== s.commit.toLowerCase()) {
    mismatch('rpo_ver', "does not match the token's rpo_ver");
  }
  if (claims.rpo_ref !== undefined && s.branch?.startsWith('refs/') && claims.rpo_ref !== s.branch) {
    mismatch('rpo_ref', "does not match the token's rpo_ref");
  }
  return out;
}

function tokenMismatches(principal: TokenPrincipal, report: Report): FieldError[] {
  const out: FieldError[] = [];
  const { organization, project } = principal.token;
  const p = report.pipeline;
  if (organization !== undefined) {
    const wanted = organization.toLowerCase();
    const url = normalizeOrganizationUrl(p.organizationUrl);
    if (wanted !== url && wanted !== organizationName(url).toLowerCase() && normalizeOrganizationUrl(wanted) !== url) {
      out.push({ pointer: '/pipeline/organizationUrl', detail: `this token is bound to organisation ${organization}` });
    }
  }
  if (project !== undefined && ![p.projectId.toLowerCase(), p.projectName.toLowerCase()].includes(project.toLowerCase())) {
    out.push({ pointer: '/pipeline/projectId', detail: `this token is bound to project ${project}` });
  }
  return out;
}

/**
 * @throws ProblemError 403 naming each report field the principal may not speak for.
 */
export function authorizeReport(principal: Principal, report: Report): void {
  let fields: FieldError[] = [];
  if (principal.kind === 'pipeline') fields = pipelineMismatches(principal.claims, (principal as PipelinePrincipal).organization.url, report);
  else if (principal.kind === 'token') fields = tokenMismatches(principal, report);
  if (fields.length > 0) {
    const names = fields.map((f) => f.pointer).join(', ');
    throw forbidden(`the credentials may not report for this run: ${names} ${fields.length === 1 ? 'does' : 'do'} not match`, fields);
  }
}
