/** Who sent a request, once their credentials have been verified. */
import type { ResolvedOrganization, StaticTokenConfig } from '../config';
import type { AzureDevOpsPipelineClaims } from './azureDevOpsClaims';

/** A pipeline job, proven by an Azure DevOps OIDC token. May ingest for its own run only. */
export interface PipelinePrincipal {
  kind: 'pipeline';
  organization: ResolvedOrganization;
  claims: AzureDevOpsPipelineClaims;
}

/** The holder of a configured static token. */
export interface TokenPrincipal {
  kind: 'token';
  token: StaticTokenConfig;
}

/** No credentials (allowed only for reads, and only when configured open). */
export interface AnonymousPrincipal {
  kind: 'anonymous';
}

export type Principal = PipelinePrincipal | TokenPrincipal | AnonymousPrincipal;

/** A short label kept with each report and safe to log: never a token. */
export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case 'pipeline':
      return `oidc:${principal.organization.id}:run ${principal.claims.run_id}`;
    case 'token':
      return `token:${principal.token.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}
