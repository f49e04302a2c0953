/**
 * Tokens of the Azure DevOps pipeline shape, for tests and the local stand-ins of the
 * `oidctoken` endpoint: the service itself only verifies tokens, so minting lives here and not
 * in its auth code. The claim names and their meaning are service/src/auth/azureDevOpsClaims.ts.
 */
import { SignJWT, type KeyLike } from 'jose';
import { AZURE_DEVOPS_DEFAULT_AUDIENCE, issuerFor, type AzureDevOpsPipelineClaims } from '../../service/src/auth/azureDevOpsClaims';

/**
 * The claims Azure DevOps would put in a token for the job whose predefined variables are
 * in `env` (as the agent exports them: `SYSTEM_COLLECTIONID`, `SYSTEM_TEAMPROJECTID`, …).
 * Absent repository variables leave their claims out.
 */
export function claimsFromPipelineEnvironment(
  env: Record<string, string | undefined>,
  audience: string = AZURE_DEVOPS_DEFAULT_AUDIENCE,
): AzureDevOpsPipelineClaims {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`pipeline variable ${name} is not set`);
    return value;
  };
  const orgId = need('SYSTEM_COLLECTIONID').toLowerCase();
  const orgName = organizationNameFromUri(env.SYSTEM_COLLECTIONURI ?? env.SYSTEM_TEAMFOUNDATIONCOLLECTIONURI ?? '');
  const claims: AzureDevOpsPipelineClaims = {
    iss: issuerFor(orgId),
    aud: audience,
    sub: `p://${orgName}/${env.SYSTEM_TEAMPROJECT ?? ''}/${env.BUILD_DEFINITIONNAME ?? ''}`,
    org_id: orgId,
    prj_id: need('SYSTEM_TEAMPROJECTID').toLowerCase(),
    def_id: need('SYSTEM_DEFINITIONID'),
    run_id: need('BUILD_BUILDID'),
  };
  const optional: Array<[keyof AzureDevOpsPipelineClaims, string]> = [
    ['rpo_id', 'BUILD_REPOSITORY_ID'],
    ['rpo_uri', 'BUILD_REPOSITORY_URI'],
    ['rpo_ver', 'BUILD_SOURCEVERSION'],
    ['rpo_ref', 'BUILD_SOURCEBRANCH'],
  ];
  for (const [claim, variable] of optional) {
    const value = env[variable];
    if (value) (claims as unknown as Record<string, string>)[claim] = value;
  }
  return claims;
}

function organizationNameFromUri(uri: string): string {
  try {
    const url = new URL(uri);
    const segment = url.pathname.split('/').filter(Boolean).pop();
    return segment ?? url.hostname.split('.')[0] ?? '';
  } catch {
    return '';
  }
}

/** What `mintAzureDevOpsToken` needs besides the claims. */
export interface MintOptions {
  privateKey: KeyLike | Uint8Array;
  /** The JWK's `kid`, so the verifier picks the right key from the JWKS. */
  keyId: string;
  /** Default RS256, as Azure DevOps signs. */
  algorithm?: string;
  /** Lifetime in seconds; default 600. Negative values mint an already expired token. */
  expiresInSeconds?: number;
}

/**
 * Signs a token of the Azure DevOps pipeline shape: for tests and local stand-ins of the
 * `oidctoken` endpoint. The service itself never mints tokens.
 */
export async function mintAzureDevOpsToken(claims: AzureDevOpsPipelineClaims, options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const lifetime = options.expiresInSeconds ?? 600;
  const { iss, aud, sub, exp: _exp, iat: _iat, nbf: _nbf, ...rest } = claims;
  return new SignJWT({ ...rest, jti: rest.jti ?? crypto.randomUUID() })
    .setProtectedHeader({ alg: options.algorithm ?? 'RS256', kid: options.keyId, typ: 'JWT' })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject(sub)
    .setIssuedAt(Math.min(now, now + lifetime - 60))
    .setNotBefore(Math.min(now, now + lifetime - 60))
    .setExpirationTime(now + lifetime)
    .sign(options.privateKey);
}
