/**
 * Turns an `Authorization` header into a principal, and decides what each principal may do
 * with the read API. Tokens never reach a log or an error message.
 */
import type { ServiceConfig } from '../config';
import { decodeJwt } from 'jose';
import { resolveOrganization } from '../config';
import { forbidden, unauthenticated } from '../errors';
import { GitHubVerifier } from './githubVerifier';
import { resolveGitHubOwner } from './githubOwners';
import { OidcVerifier } from './oidcVerifier';
import type { Principal } from './principal';
import { StaticTokenTable } from './staticTokens';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Verifies credentials with the configured organisations and static tokens. */
export class Authenticator {
  private readonly oidc: OidcVerifier;
  private readonly github: GitHubVerifier;
  private readonly tokens: StaticTokenTable;

  constructor(
    private readonly config: Pick<ServiceConfig, 'organizations' | 'tokens' | 'readOpen'> & Partial<Pick<ServiceConfig, 'githubOwners'>>,
  ) {
    this.oidc = new OidcVerifier(config.organizations.map(resolveOrganization));
    this.github = new GitHubVerifier((config.githubOwners ?? []).map(resolveGitHubOwner));
    this.tokens = new StaticTokenTable(config.tokens);
  }

  /**
   * The principal the header proves, or `anonymous` when there is none.
   * @throws ProblemError 401 when credentials are present but do not verify.
   */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === '') return { kind: 'anonymous' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    const token = match[1];
    const configured = this.tokens.find(token);
    if (configured) return { kind: 'token', token: configured };
    if (JWT_SHAPE.test(token)) {
      // A GitHub issuer's token goes to the GitHub verifier; every other JWT is verified as
      // Azure DevOps', whose messages say so when its issuer is not configured either.
      if (this.github.handles(unverifiedIssuer(token))) return this.github.verify(token);
      if (!this.oidc.enabled) {
        throw unauthenticated(
          this.github.enabled
            ? `token issuer "${String(unverifiedIssuer(token))}" is not a configured GitHub issuer, and no Azure DevOps organisation is configured`
            : 'no Azure DevOps organisation or GitHub owner is configured to accept OIDC tokens',
        );
      }
      return this.oidc.verify(token);
    }
    throw unauthenticated('the bearer token is not a known token');
  }

  /** @throws ProblemError 401/403 unless the principal may use the read API. */
  requireRead(principal: Principal): void {
    if (principal.kind === 'token' && principal.token.scopes.includes('read')) return;
    if (this.config.readOpen) return;
    if (principal.kind === 'anonymous') throw unauthenticated('reading needs a token with the read scope');
    throw forbidden('this token may not read: it needs the read scope');
  }
}

/** The `iss` a JWT says it has, before anything is verified: only to pick the verifier. */
function unverifiedIssuer(token: string): unknown {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}
