/**
 * The GitHub owners (organisations or users) whose Actions OIDC tokens the service accepts,
 * configured as `githubOwners` the way Azure DevOps organisations are as `organizations`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { GITHUB_DEFAULT_AUDIENCE, GITHUB_DEFAULT_SERVER_URL, defaultIssuerFor } from './githubClaims';

/** One owner: by login, and preferably by id too (a login can be renamed and then taken by someone else). */
export const GitHubOwnerConfigSchema = Type.Object(
  {
    /** The owner's login, `repository_owner` (`contoso`): any case. */
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' }),
    /** The owner's id, `repository_owner_id` (decimal); when set, a token must carry exactly it. */
    id: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,19}$' })),
    /** GITHUB_SERVER_URL of the owner's server; default https://github.com. Reports must name it. */
    serverUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://[^/?#@]+/?$' })),
    /**
     * The tokens' `iss`; default https://token.actions.githubusercontent.com for github.com and
     * `{serverUrl}/_services/token` for Enterprise Server. Set it for GHE.com and for an enterprise
     * with the custom issuer policy (`…githubusercontent.com/<enterprise slug>`).
     */
    issuer: Type.Optional(Type.String({ format: 'uri' })),
    /** Where the keys are, only to bypass discovery (`{issuer}/.well-known/openid-configuration` → `jwks_uri`). */
    jwksUrl: Type.Optional(Type.String({ format: 'uri' })),
    /** The audience the action asks for (its `audience` input); default `container-mapping`. */
    audience: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type GitHubOwnerConfig = Static<typeof GitHubOwnerConfigSchema>;

/** An owner with its defaults filled in. */
export interface ResolvedGitHubOwner {
  /** Lowercase login. */
  name: string;
  id?: string;
  /** Without a trailing slash. */
  serverUrl: string;
  issuer: string;
  jwksUrl?: string;
  audience: string;
}

/** Fills in an owner's server, issuer and audience. */
export function resolveGitHubOwner(owner: GitHubOwnerConfig): ResolvedGitHubOwner {
  const serverUrl = (owner.serverUrl ?? GITHUB_DEFAULT_SERVER_URL).replace(/\/+$/, '');
  return {
    name: owner.name.toLowerCase(),
    ...(owner.id !== undefined ? { id: owner.id } : {}),
    serverUrl,
    issuer: (owner.issuer ?? defaultIssuerFor(serverUrl)).replace(/\/+$/, ''),
    ...(owner.jwksUrl !== undefined ? { jwksUrl: owner.jwksUrl } : {}),
    audience: owner.audience ?? GITHUB_DEFAULT_AUDIENCE,
  };
}

/** What the schema cannot say: each owner once per server. */
export function gitHubOwnerProblems(owners: readonly GitHubOwnerConfig[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  owners.forEach((owner, index) => {
    const resolved = resolveGitHubOwner(owner);
    const key = `${resolved.serverUrl.toLowerCase()} ${resolved.name}`;
    if (seen.has(key)) problems.push(`githubOwners.${index}: owner "${owner.name}" of ${resolved.serverUrl} is listed twice`);
    seen.add(key);
  });
  return problems;
}
