/**
 * The claims of an Azure DevOps pipeline OIDC token, as the `oidctoken` REST endpoint
 * (`POST {System.OidcRequestUri}?api-version=7.1`, answer `{ "oidcToken": "<JWT>" }`) issues
 * them, and how they map to the pipeline variables a job sees. One module, so the verifier,
 * the README and the tests' token minting agree on one shape.
 *
 * Observed payload (all identifiers are strings):
 * `iss` https://vstoken.dev.azure.com/{organisation id}, `aud` api://AzureADTokenExchange,
 * `sub` p://{organisation}/{project}/{pipeline}, `org_id`, `prj_id`, `def_id`, `run_id`,
 * `rpo_id`, `rpo_uri`, `rpo_ver`, `rpo_ref`, `jti`, `nbf`, `iat`, `exp`.
 */
import { SignJWT, type KeyLike } from 'jose';

/** Issuers are this prefix plus the organisation's id (a GUID, `System.CollectionId`). */
export const AZURE_DEVOPS_ISSUER_PREFIX = 'https://vstoken.dev.azure.com/';

/** The audience Azure DevOps puts in pipeline tokens; callers cannot choose another. */
export const AZURE_DEVOPS_DEFAULT_AUDIENCE = 'api://AzureADTokenExchange';

/** The claims the service reads from a pipeline token. */
export interface AzureDevOpsPipelineClaims {
  iss: string;
  aud: string | string[];
  /** `p://{organisation name}/{project name}/{pipeline name}` */
  sub: string;
  /** Organisation id (System.CollectionId). */
  org_id: string;
  /** Project id (System.TeamProjectId). */
  prj_id: string;
  /** Pipeline definition id (System.DefinitionId), as a decimal string. */
  def_id: string;
  /** Run id (Build.BuildId), as a decimal string. */
  run_id: string;
  /** Repository id (Build.Repository.ID). */
  rpo_id?: string;
  /** Repository URL (Build.Repository.Uri). */
  rpo_uri?: string;
  /** Commit (Build.SourceVersion). */
  rpo_ver?: string;
  /** Ref (Build.SourceBranch), e.g. refs/heads/main. */
  rpo_ref?: string;
  jti?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
}

/** Which report field each claim is held against (JSON pointers into the report). */
export const CLAIM_TO_REPORT_FIELD = {
  org_id: '/pipeline/organizationUrl',
  prj_id: '/pipeline/projectId',
  def_id: '/pipeline/definitionId',
  run_id: '/pipeline/runId',
  rpo_id: '/source/id',
  rpo_uri: '/source/url',
  rpo_ver: '/source/commit',
  rpo_ref: '/source/branch',
  /** Pipeline tokens are issued to build runs: `run_id` is Build.BuildId. */
  hub: '/pipeline/hub',
  /** The project and pipeline names in `sub`. */
  sub_project: '/pipeline/projectName',
  sub_pipeline: '/pipeline/definitionName',
} as const;

/** The names a pipeline token's `sub` carries: `p://{organisation}/{project}/{pipeline}`. */
export interface PipelineSubject {
  organization: string;
  project: string;
  pipeline: string;
}

/**
 * Reads `sub` as `p://{organisation}/{project}/{pipeline}` (System.TeamProject and
 * Build.DefinitionName, as observed in real tokens: sigstore/fulcio#1803,
 * stackitcloud/terraform-provider-stackit#1321). Organisation and project names cannot hold
 * a `/`, so everything after the second one is the pipeline. Null for any other shape: such a
 * token vouches for no name.
 */
export function parsePipelineSubject(sub: unknown): PipelineSubject | null {
  if (typeof sub !== 'string' || !sub.startsWith('p://')) return null;
  const [organization, project, ...rest] = sub.slice('p://'.length).split('/');
  const pipeline = rest.join('/');
  if (!organization || !project || !pipeline) return null;
  return { organization, project, pipeline };
}

/** The optional claims, each held against the report field `CLAIM_TO_REPORT_FIELD` names. */
export const OPTIONAL_CLAIMS = ['rpo_id', 'rpo_uri', 'rpo_ver', 'rpo_ref'] as const;

/**
 * An optional claim as text: absent (or empty) is `undefined`, a number becomes its decimal
 * text; any other type is not something Azure DevOps issues. Nothing here assumes a format:
 * `rpo_id` is a GUID for Azure Repos but `owner/repo` for GitHub.
 * @throws Error naming the claim when it holds something other than text or a number.
 */
export function optionalClaim(claims: AzureDevOpsPipelineClaims, name: (typeof OPTIONAL_CLAIMS)[number]): string | undefined {
  const value: unknown = claims[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new Error(`the token's "${name}" claim is not text`);
}

/** The issuer of one organisation's pipeline tokens. */
export function issuerFor(organizationId: string): string {
  return `${AZURE_DEVOPS_ISSUER_PREFIX}${organizationId.toLowerCase()}`;
}

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
