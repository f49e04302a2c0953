/**
 * The claims of an Azure DevOps pipeline OIDC token, as the `oidctoken` REST endpoint
 * (`POST {System.OidcRequestUri}?api-version=7.1`, answer `{ "oidcToken": "<JWT>" }`) issues
 * them, and how they map to the pipeline variables a job sees. One module, so the verifier,
 * the README and the tests' token minting (test/support/azureDevOpsTokens.ts) agree on one shape.
 *
 * Observed payload (all identifiers are strings):
 * `iss` https://vstoken.dev.azure.com/{organisation id}, `aud` api://AzureADTokenExchange,
 * `sub` p://{organisation}/{project}/{pipeline}, `org_id`, `prj_id`, `def_id`, `run_id`,
 * `rpo_id`, `rpo_uri`, `rpo_ver`, `rpo_ref`, `jti`, `nbf`, `iat`, `exp`.
 */
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
