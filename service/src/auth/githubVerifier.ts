/**
 * Verifies GitHub Actions OIDC tokens: the issuer's keys (found through its OpenID
 * configuration, cached and rate-limited by issuerKeys.ts, as for Azure DevOps) check the
 * signature and expiry; then the owner must be configured (by login, and by id when its id is
 * configured) and the audience must be the one configured for it.
 */
import { jwtVerify } from 'jose';
import { forbidden, unauthenticated } from '../errors';
import { REQUIRED_GITHUB_CLAIMS, type GitHubClaims } from './githubClaims';
import type { ResolvedGitHubOwner } from './githubOwners';
import { IssuerKeys, type IssuerKeysOptions } from './issuerKeys';
import { ALLOWED_ALGORITHMS, describeJoseError, unverifiedIssuer } from './jwtChecks';
import type { GitHubPrincipal } from './principal';

/** GitHub signs with RS256 (its discovery document: `id_token_signing_alg_values_supported`); asymmetric only, as for Azure DevOps. */

/** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. */
const CLOCK_TOLERANCE_S = 5;

/** Verifies tokens of the configured GitHub owners. */
export class GitHubVerifier {
  /** By issuer: its keys and the owners whose tokens it issues (by lowercase login). */
  private readonly byIssuer = new Map<string, { keys: IssuerKeys; owners: Map<string, ResolvedGitHubOwner> }>();

  constructor(owners: ResolvedGitHubOwner[], keyOptions: Omit<IssuerKeysOptions, 'issuer' | 'jwksUrl'> = {}) {
    for (const owner of owners) {
      let entry = this.byIssuer.get(owner.issuer);
      if (!entry) {
        const keys = new IssuerKeys({ ...keyOptions, issuer: owner.issuer, ...(owner.jwksUrl ? { jwksUrl: owner.jwksUrl } : {}) });
        entry = { keys, owners: new Map() };
        this.byIssuer.set(owner.issuer, entry);
      }
      entry.owners.set(owner.name, owner);
    }
  }

  /** True when at least one owner is configured. */
  get enabled(): boolean {
    return this.byIssuer.size > 0;
  }

  /** True when the token's (unverified) issuer is a configured GitHub issuer: the authenticator's dispatch. */
  handles(issuer: unknown): boolean {
    return typeof issuer === 'string' && this.byIssuer.has(issuer.replace(/\/+$/, ''));
  }

  /**
   * @throws ProblemError 401 naming what failed (never echoing the token); 403 when the token
   * verifies but its owner is not one the service accepts.
   */
  async verify(token: string): Promise<GitHubPrincipal> {
    const issuer = unverifiedIssuer(token);
    const entry = typeof issuer === 'string' ? this.byIssuer.get(issuer.replace(/\/+$/, '')) : undefined;
    if (!entry || typeof issuer !== 'string') throw unauthenticated(`token issuer "${String(issuer)}" is not a configured GitHub issuer`);
    let payload: Record<string, unknown>;
    try {
      // The audience is the owner's, checked below once the owner is known from the verified claims.
      const result = await jwtVerify(token, entry.keys.getKey, {
        issuer,
        algorithms: ALLOWED_ALGORITHMS,
        requiredClaims: ['exp', 'iat'],
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      payload = result.payload as Record<string, unknown>;
    } catch (err) {
      throw unauthenticated(`token rejected: ${describeJoseError(err, "the issuer's")}`);
    }
    for (const claim of REQUIRED_GITHUB_CLAIMS) {
      if (typeof payload[claim] !== 'string' || payload[claim] === '') {
        throw unauthenticated(`token has no "${claim}" claim: it is not a GitHub Actions job token`);
      }
    }
    const claims = payload as unknown as GitHubClaims;
    const owner = entry.owners.get(claims.repository_owner.toLowerCase());
    if (!owner) throw forbidden(`GitHub owner "${claims.repository_owner}" is not one whose tokens this service accepts`);
    if (owner.id !== undefined && owner.id !== claims.repository_owner_id) {
      throw forbidden(
        `GitHub owner "${claims.repository_owner}" has id ${claims.repository_owner_id}, not the configured ${owner.id} (renamed or re-created?)`,
      );
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(owner.audience)) {
      throw unauthenticated(
        `token rejected: claim "aud" is not valid (the service accepts audience "${owner.audience}" for ${owner.name})`,
      );
    }
    return { kind: 'github', owner, claims };
  }
}
