/**
 * Holds a verified principal against a GitHub Actions report (version 2): a GitHub token speaks
 * only for exactly what its claims name (server, owner, repository, run, attempt, commit, ref,
 * workflow, runner environment), each held by id and by name; a static ingest token only for the
 * owner it is bound to. Azure DevOps pipeline tokens and attachments never write a GitHub run.
 */
import { gitHubOwnerUrl, type GitHubReport } from '../../../common/githubReport';
import { forbidden, type FieldError } from '../errors';
import type { VerifiedNames } from '../verifiedNames';
import { GITHUB_CLAIM_TO_REPORT_FIELD, OPTIONAL_GITHUB_CLAIMS, type GitHubClaims } from './githubClaims';
import type { GitHubArtifactPrincipal, GitHubPrincipal, Principal, TokenPrincipal } from './principal';
import { organizationMatches, parseOrganizationBinding } from './staticTokens';

/** How a claim compares with its report field: logins and names any case, hex any case, numbers as text. */
const sameText = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The report's value of each claim's field, as text (undefined when the report leaves it out). */
function reportValue(report: GitHubReport, claim: keyof typeof GITHUB_CLAIM_TO_REPORT_FIELD): string | undefined {
  const g = report.github;
  switch (claim) {
    case 'repository':
      return g.repository;
    case 'repository_id':
      return g.repositoryId;
    case 'repository_owner':
      return g.owner;
    case 'repository_owner_id':
      return g.ownerId;
    case 'run_id':
      return String(g.runId);
    case 'run_attempt':
      return String(g.runAttempt);
    case 'sha':
      return g.sha;
    case 'run_number':
      return String(g.runNumber);
    case 'ref':
      return g.ref;
    case 'workflow':
      return g.workflow;
    case 'workflow_ref':
      return g.workflowRef;
    case 'runner_environment':
      return report.runner.environment;
    case 'event_name':
      return g.eventName;
  }
}

/**
 * The mismatches between a GitHub token and the report, one per field. Every required claim
 * must equal its field; an optional claim the token carries must equal its field when the report
 * has it (a report without `ref` or `eventName` is stored as sent: nothing is filled in).
 */
export function holdGitHubClaims(principal: GitHubPrincipal, report: GitHubReport): FieldError[] {
  const out: FieldError[] = [];
  const claims: GitHubClaims = principal.claims;
  if (report.github.serverUrl.replace(/\/+$/, '').toLowerCase() !== principal.owner.serverUrl.toLowerCase()) {
    out.push({ pointer: '/github/serverUrl', detail: `the token's issuer serves ${principal.owner.serverUrl}` });
  }
  const held = [
    'repository_owner',
    'repository_owner_id',
    'repository',
    'repository_id',
    'run_id',
    'run_attempt',
    'sha',
    ...OPTIONAL_GITHUB_CLAIMS,
  ] as const;
  for (const claim of held) {
    const value: unknown = claims[claim];
    if (value === undefined || value === null || value === '') continue;
    const given = reportValue(report, claim);
    if (given === undefined) continue;
    if (typeof value !== 'string' || !sameText(value, given)) {
      out.push({ pointer: GITHUB_CLAIM_TO_REPORT_FIELD[claim], detail: `does not match the token's ${claim}` });
    }
  }
  return out;
}

/**
 * The mismatches between the run that holds an artifact and the report in it. Ids, names, run
 * number and server must be the run's; the attempt at most its latest; the commit its head
 * commit, except for `pull_request*` events, whose GITHUB_SHA is the merge commit GitHub made
 * rather than the head (docs.github.com "Events that trigger workflows").
 */
export function holdGitHubArtifactRun(principal: GitHubArtifactPrincipal, report: GitHubReport): FieldError[] {
  const run = principal.run;
  const g = report.github;
  const out: FieldError[] = [];
  const differs = (pointer: string, given: string, expected: string, what: string) => {
    if (!sameText(given, expected)) out.push({ pointer, detail: `is not the ${what} of the run that holds the artifact (${expected})` });
  };
  differs('/github/serverUrl', g.serverUrl.replace(/\/+$/, ''), run.serverUrl, 'server');
  differs('/github/owner', g.owner, run.owner, 'owner');
  differs('/github/ownerId', g.ownerId, run.ownerId, 'owner id');
  differs('/github/repository', g.repository, run.repository, 'repository');
  differs('/github/repositoryId', g.repositoryId, run.repositoryId, 'repository id');
  differs('/github/runId', String(g.runId), String(run.runId), 'id');
  differs('/github/runNumber', String(g.runNumber), String(run.runNumber), 'number');
  if (g.runAttempt > run.latestAttempt)
    out.push({
      pointer: '/github/runAttempt',
      detail: `is past the latest attempt of the run that holds the artifact (${run.latestAttempt})`,
    });
  if (!run.event.startsWith('pull_request')) differs('/github/sha', g.sha, run.headSha, 'commit');
  return out;
}

function tokenMismatches(principal: TokenPrincipal, report: GitHubReport): FieldError[] {
  const out: FieldError[] = [];
  const { organization, project } = principal.token;
  if (organization !== undefined) {
    const binding = parseOrganizationBinding(organization);
    if ('problem' in binding || !organizationMatches(binding, gitHubOwnerUrl(report.github.serverUrl, report.github.owner))) {
      out.push({
        pointer: '/github/owner',
        detail: `this token is bound to organisation ${organization}; a GitHub owner is bound by its URL (https://github.com/<owner>)`,
      });
    }
  }
  // A project binding is an Azure DevOps project id: such a token writes one project's runs, never a GitHub repository's.
  if (project !== undefined)
    out.push({ pointer: '/github/repositoryId', detail: `this token is bound to Azure DevOps project id ${project}` });
  return out;
}

/**
 * Holds the principal against a GitHub report.
 * @returns the names the principal vouches for (all of them: a GitHub token names the repository
 * and the workflow; an ingest token may write any repository of its reach).
 * @throws ProblemError 403 naming each report field the principal may not speak for.
 */
export function authorizeGitHubReport(principal: Principal, report: GitHubReport): VerifiedNames {
  let fields: FieldError[] = [];
  let verifiedNames: VerifiedNames = { project: true, pipeline: true, sourceRepository: true };
  if (principal.kind === 'github') {
    fields = holdGitHubClaims(principal, report);
    // The workflow's name is vouched for only when the token names it.
    if (typeof principal.claims.workflow !== 'string') verifiedNames = { ...verifiedNames, pipeline: false };
  } else if (principal.kind === 'token') {
    fields = tokenMismatches(principal, report);
  } else if (principal.kind === 'pipeline') {
    fields = [{ pointer: '/provider', detail: 'an Azure DevOps pipeline token speaks for an Azure DevOps run, not a GitHub one' }];
  } else if (principal.kind === 'attachment') {
    fields = [{ pointer: '/provider', detail: 'an Azure DevOps attachment speaks for its build, not a GitHub run' }];
  } else if (principal.kind === 'github-artifact') {
    // The run's REST answer names the repository, the run and (not for pull requests) the commit; the workflow's name it does not give.
    fields = holdGitHubArtifactRun(principal, report);
    verifiedNames = { ...verifiedNames, pipeline: false };
  }
  if (fields.length > 0) {
    const names = fields.map((f) => f.pointer).join(', ');
    throw forbidden(`the credentials may not report for this run: ${names} ${fields.length === 1 ? 'does' : 'do'} not match`, fields);
  }
  return verifiedNames;
}
