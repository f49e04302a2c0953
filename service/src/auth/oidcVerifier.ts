/**
 * Verifies Azure DevOps pipeline OIDC tokens: the issuer picks the organisation, whose keys
 * (found through the issuer's OpenID configuration, see issuerKeys.ts) check the signature;
 * then audience, expiry and the pipeline claims are required.
 */
import { jwtVerify } from 'jose';
import type { ResolvedOrganization } from '../config';
import { unauthenticated } from '../errors';
import type { AzureDevOpsPipelineClaims } from './azureDevOpsClaims';
import { IssuerKeys, type IssuerKeysOptions } from './issuerKeys';
import { ALLOWED_ALGORITHMS, describeJoseError, unverifiedIssuer } from './jwtChecks';
import type { PipelinePrincipal } from './principal';

/** Asymmetric algorithms only: `none` and shared-secret HMAC are refused. */
const REQUIRED_CLAIMS = ['org_id', 'prj_id', 'def_id', 'run_id'] as const;

/** Verifies tokens for the configured organisations. */
export class OidcVerifier {
  private readonly byIssuer = new Map<string, { org: ResolvedOrganization; keys: IssuerKeys }>();

  /** `keyOptions` tune the key fetching (tests pass a clock); the issuer and `jwksUrl` come from each organisation. */
  constructor(organizations: ResolvedOrganization[], keyOptions: Omit<IssuerKeysOptions, 'issuer' | 'jwksUrl'> = {}) {
    for (const org of organizations) {
      const keys = new IssuerKeys({ ...keyOptions, issuer: org.issuer, ...(org.jwksUrl ? { jwksUrl: org.jwksUrl } : {}) });
      this.byIssuer.set(org.issuer, { org, keys });
    }
  }

  /** True when at least one organisation is configured. */
  get enabled(): boolean {
    return this.byIssuer.size > 0;
  }

  /**
   * @throws ProblemError 401 naming what failed (never echoing the token).
   */
  async verify(token: string): Promise<PipelinePrincipal> {
    const issuer = unverifiedIssuer(token);
    const entry = typeof issuer === 'string' ? this.byIssuer.get(issuer) : undefined;
    if (!entry) throw unauthenticated(`token issuer "${String(issuer)}" is not a configured organisation (nor a configured GitHub issuer)`);
    let payload: Record<string, unknown>;
    try {
      const verified = await jwtVerify(token, entry.keys.getKey, {
        issuer: entry.org.issuer,
        audience: entry.org.audience,
        algorithms: ALLOWED_ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: 5,
      });
      payload = verified.payload as Record<string, unknown>;
    } catch (err) {
      throw unauthenticated(`token rejected: ${describeJoseError(err, "the organisation's")}`);
    }
    for (const claim of REQUIRED_CLAIMS) {
      if (typeof payload[claim] !== 'string' && typeof payload[claim] !== 'number') {
        throw unauthenticated(`token has no "${claim}" claim: it is not an Azure DevOps pipeline job token`);
      }
    }
    if (String(payload.org_id).toLowerCase() !== entry.org.id) {
      throw unauthenticated('token org_id does not match its issuer');
    }
    const claims = { ...payload } as unknown as AzureDevOpsPipelineClaims;
    for (const claim of REQUIRED_CLAIMS) claims[claim] = String(payload[claim]);
    return { kind: 'pipeline', organization: entry.org, claims };
  }
}
