/**
 * A local JWKS endpoint with the test's own key pair, and tokens shaped like Azure DevOps'
 * pipeline tokens: what the OIDC tests verify against.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type KeyLike } from 'jose';
import type { Report } from '../../../common/report';
import {
  AZURE_DEVOPS_DEFAULT_AUDIENCE,
  issuerFor,
  mintAzureDevOpsToken,
  type AzureDevOpsPipelineClaims,
  type MintOptions,
} from '../../../service/src/auth/azureDevOpsClaims';
import type { OrganizationConfig } from '../../../service/src/config';

/** A running JWKS endpoint and the private key that matches it. */
export interface TestIssuer {
  organizationId: string;
  jwksUrl: string;
  privateKey: KeyLike;
  keyId: string;
  /** The organisation entry for the service's config. */
  organization(url: string): OrganizationConfig;
  /** Signs claims with this issuer's key. */
  mint(claims: AzureDevOpsPipelineClaims, options?: Partial<MintOptions>): Promise<string>;
  close(): Promise<void>;
}

/** Starts a JWKS endpoint on 127.0.0.1 with a fresh RS256 key pair. */
export async function startTestIssuer(organizationId: string): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const keyId = `test-${organizationId.slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid: keyId, alg: 'RS256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const jwksUrl = `http://127.0.0.1:${port}/${organizationId}/.well-known/jwks`;
  return {
    organizationId,
    jwksUrl,
    privateKey,
    keyId,
    organization: (url) => ({ id: organizationId, url, jwksUrl }),
    mint: (claims, options = {}) => mintAzureDevOpsToken(claims, { privateKey, keyId, ...options }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
