/**
 * The claims of a GitHub Actions OIDC token (what `core.getIDToken(audience)` of @actions/core
 * returns: the runner's `ACTIONS_ID_TOKEN_REQUEST_URL` with `&audience=…`, answer `{"value": "<JWT>"}`),
 * and the report field each is held against. One module, so the verifier, the README and the
 * tests' token minting (test/support/githubTokens.ts) agree on one shape.
 *
 * Source: docs.github.com "OpenID Connect reference" (OIDC token claims; github/docs
 * content/actions/reference/security/oidc.md): `iss` https://token.actions.githubusercontent.com
 * (Enterprise Server: https://HOSTNAME/_services/token; an enterprise with the custom issuer
 * policy: https://token.actions.githubusercontent.com/<enterprise slug>), `aud` by default the
 * owner's URL (`https://github.com/<owner>`) or the audience the job asked for, `sub`
 * (`repo:owner/repo:ref:refs/heads/main`, customisable, so never parsed here), and GitHub's
 * custom claims, all strings, ids in decimal: `repository`, `repository_id`, `repository_owner`,
 * `repository_owner_id`, `run_id`, `run_number`, `run_attempt`, `sha`, `ref`, `workflow`,
 * `workflow_ref`, `job_workflow_ref`, `runner_environment`, `event_name`, `actor`.
 */

/** github.com's issuer. */
export const GITHUB_DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** github.com's address, what GITHUB_SERVER_URL holds there. */
export const GITHUB_DEFAULT_SERVER_URL = 'https://github.com';

/**
 * The audience the service accepts unless configured otherwise, and the action asks for by default.
 * Not GitHub's default (`https://github.com/<owner>`): every service a workflow of that owner
 * sends a default token to could replay it here.
 */
export const GITHUB_DEFAULT_AUDIENCE = 'container-mapping';

/** The claims the service reads. */
export interface GitHubClaims {
  iss: string;
  aud: string | string[];
  sub?: string;
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  run_id: string;
  run_attempt: string;
  sha: string;
  run_number?: string;
  ref?: string;
  workflow?: string;
  workflow_ref?: string;
  job_workflow_ref?: string;
  runner_environment?: string;
  event_name?: string;
  actor?: string;
}

/** Without these a token is not a GitHub Actions job token. */
export const REQUIRED_GITHUB_CLAIMS = [
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'run_id',
  'run_attempt',
  'sha',
] as const;

/** Held when the token carries them. */
export const OPTIONAL_GITHUB_CLAIMS = ['run_number', 'ref', 'workflow', 'workflow_ref', 'runner_environment', 'event_name'] as const;

/** Which report field (JSON pointer into a version-2 report) each claim is held against. */
export const GITHUB_CLAIM_TO_REPORT_FIELD: Record<
  (typeof REQUIRED_GITHUB_CLAIMS)[number] | (typeof OPTIONAL_GITHUB_CLAIMS)[number],
  string
> = {
  repository: '/github/repository',
  repository_id: '/github/repositoryId',
  repository_owner: '/github/owner',
  repository_owner_id: '/github/ownerId',
  run_id: '/github/runId',
  run_attempt: '/github/runAttempt',
  sha: '/github/sha',
  run_number: '/github/runNumber',
  ref: '/github/ref',
  workflow: '/github/workflow',
  workflow_ref: '/github/workflowRef',
  runner_environment: '/runner/environment',
  event_name: '/github/eventName',
};

/**
 * The issuer of a server's tokens when the configuration does not name one: github.com's, or
 * Enterprise Server's `https://HOST/_services/token`. GHE.com (data residency) and enterprises with a
 * custom issuer must configure theirs (what their tokens' `iss` says).
 */
export function defaultIssuerFor(serverUrl: string): string {
  const server = serverUrl.replace(/\/+$/, '');
  return server.toLowerCase() === GITHUB_DEFAULT_SERVER_URL ? GITHUB_DEFAULT_ISSUER : `${server}/_services/token`;
}
