/**
 * A local token issuer laid out as Azure DevOps' (discovery document, then one key set; see
 * test/support/tokenIssuer.ts), and tokens shaped like Azure DevOps' pipeline tokens: what the
 * OIDC tests verify against.
 */
import type { KeyLike } from 'jose';
import type { Report } from '../../../common/report';
import { AZURE_DEVOPS_DEFAULT_AUDIENCE, issuerFor, type AzureDevOpsPipelineClaims } from '../../../service/src/auth/azureDevOpsClaims';
import type { MintOptions } from '../../support/azureDevOpsTokens';
import type { OrganizationConfig } from '../../../service/src/config';
import { TokenIssuerStandIn } from '../../support/tokenIssuer';

/** A running issuer for one organisation and the private key that matches it. */
export interface TestIssuer {
  organizationId: string;
  /** The organisation's issuer on loopback (`iss` of the tokens minted here). */
  issuer: string;
  /** Where the discovery document says the keys are. */
  jwksUrl: string;
  privateKey: KeyLike;
  keyId: string;
  /** The stand-in itself: request counts, failures, key rotation. */
  standIn: TokenIssuerStandIn;
  /** The organisation entry for the service's config: the keys are found by discovery. */
  organization(url: string): OrganizationConfig;
  /** Signs claims with this issuer's key (an Azure DevOps `iss` becomes the loopback issuer). */
  mint(claims: AzureDevOpsPipelineClaims, options?: Partial<MintOptions>): Promise<string>;
  close(): Promise<void>;
}

/** Starts an issuer on 127.0.0.1 with a fresh RS256 key pair. */
export async function startTestIssuer(organizationId: string): Promise<TestIssuer> {
  const standIn = await TokenIssuerStandIn.start();
  return {
    organizationId,
    issuer: standIn.issuerFor(organizationId),
    jwksUrl: standIn.jwksUrl,
    privateKey: standIn.privateKey,
    keyId: standIn.currentKeyId,
    standIn,
    organization: (url) => ({ id: organizationId, url, issuer: standIn.issuerFor(organizationId) }),
    mint: (claims, options = {}) => standIn.mint(claims, options),
    close: () => standIn.close(),
  };
}

/** The claims Azure DevOps would issue to the job that sent `report`. */
export function claimsForReport(report: Report, organizationId: string): AzureDevOpsPipelineClaims {
  const p = report.pipeline;
  const claims: AzureDevOpsPipelineClaims = {
    iss: issuerFor(organizationId),
    aud: AZURE_DEVOPS_DEFAULT_AUDIENCE,
    sub: `p://contoso/${p.projectName}/${p.definitionName}`,
    org_id: organizationId,
    prj_id: p.projectId,
    def_id: String(p.definitionId),
    run_id: String(p.runId),
  };
  if (report.source.id) claims.rpo_id = report.source.id;
  if (report.source.url) claims.rpo_uri = report.source.url.replace('contoso@', '');
  if (report.source.commit) claims.rpo_ver = report.source.commit;
  if (report.source.branch) claims.rpo_ref = report.source.branch;
  return claims;
}
