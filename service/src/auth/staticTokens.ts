/**
 * Static tokens for Azure DevOps Server and simple set-ups. Only their SHA-256 is stored:
 * the tokens are 256-bit random values, so a fast hash is enough (no password stretching).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';

/** A static token: only its SHA-256 is configured. */
export const StaticTokenConfigSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    /** Hex SHA-256 of the token (`container-mapping token create` prints it). */
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /**
     * `ingest`: send reports; `read`: query; `inventory`: import cluster snapshots and scanner findings;
     * `remediate`: file work items in Azure Boards (`POST /api/v1/remediations`).
     */
    scopes: Type.Array(Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('inventory'), Type.Literal('remediate')]), {
      minItems: 1,
      uniqueItems: true,
    }),
    /**
     * Binds a token to one organisation: an Azure DevOps Services name (`contoso`:
     * https://dev.azure.com/contoso or https://contoso.visualstudio.com only) or a full URL. An
     * ingest token writes only that organisation's reports; a read token sees only its runs.
     */
    organization: Type.Optional(Type.String({ minLength: 1 })),
    /** Binds an ingest token to one project, by id (a GUID; names are refused: see `staticTokenProblems`). */
    project: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type StaticTokenConfig = Static<typeof StaticTokenConfigSchema>;

/** The prefix of tokens `container-mapping token create` makes, to tell them from JWTs. */
export const STATIC_TOKEN_PREFIX = 'cmt_';

/** Hex SHA-256 of a token, as configured. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token. */
export function generateToken(): string {
  return STATIC_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Finds configured tokens by the hash of what a client presents. */
export class StaticTokenTable {
  private readonly byHash = new Map<string, StaticTokenConfig>();

  /** @throws Error naming every token whose binding cannot be used (`staticTokenProblems`). */
  constructor(tokens: StaticTokenConfig[]) {
    const problems = staticTokenProblems(tokens);
    if (problems.length > 0) throw new Error(`invalid static tokens: ${problems.join('; ')}`);
    for (const token of tokens) this.byHash.set(token.sha256, token);
  }

  /** The configured token the presented one hashes to, or null. */
  find(presented: string): StaticTokenConfig | null {
    return this.byHash.get(hashToken(presented)) ?? null;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Azure DevOps Services organisation names: letters, digits and `-`, starting and ending with a letter or digit. */
const ORGANIZATION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;

/**
 * What a token's `organization` binding names: a name stands only for the Azure DevOps
 * Services organisation of that name; anything else (Azure DevOps Server collections) is bound
 * by its full URL.
 */
export type OrganizationBinding = { kind: 'name'; name: string } | { kind: 'url'; url: string };

/**
 * An organisation URL reduced to what identifies it, for comparison only: scheme, host (port
 * only when not the default), path without trailing `/`, all lower case (Azure DevOps URLs
 * are case-insensitive). Null for anything that is not a plain http(s) URL: user info, a
 * query or a fragment make a report's URL unusable for a bound token rather than ignored.
 */
export function canonicalOrganizationUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  if (/[?#@]/.test(text)) return null;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`.toLowerCase();
}

/** Reads a configured `organization` binding, or says why it cannot be one. */
export function parseOrganizationBinding(text: string): OrganizationBinding | { problem: string } {
  if (ORGANIZATION_NAME.test(text)) return { kind: 'name', name: text.toLowerCase() };
  if (/^https?:\/\//i.test(text)) {
    const url = canonicalOrganizationUrl(text);
    if (url !== null) return { kind: 'url', url };
  }
  return {
    problem:
      `organization must be an Azure DevOps Services organisation name (contoso) or the organisation's full URL ` +
      `(https://dev.azure.com/contoso, https://tfs.example/DefaultCollection) without user info, query or fragment; got "${text}"`,
  };
}

/** True when a report's organisation URL is the one the binding names. */
export function organizationMatches(binding: OrganizationBinding, reportUrl: string): boolean {
  const url = canonicalOrganizationUrl(reportUrl);
  if (url === null) return false;
  if (binding.kind === 'url') return url === binding.url;
  // System.CollectionUri of a Services organisation is one of these two (older organisations
  // keep the visualstudio.com form); Microsoft owns both hosts, so the name alone identifies it.
  return url === `https://dev.azure.com/${binding.name}` || url === `https://${binding.name}.visualstudio.com`;
}

/**
 * Why each configured token's binding cannot be used, one line per problem, naming the token.
 * A project is bound by its id (System.TeamProjectId): a name is something any report can
 * claim, so a name binding would bind nothing.
 */
export function staticTokenProblems(tokens: StaticTokenConfig[]): string[] {
  const problems: string[] = [];
  tokens.forEach((token, i) => {
    const where = `tokens[${i}] "${token.name}"`;
    if (token.organization !== undefined) {
      const binding = parseOrganizationBinding(token.organization);
      if ('problem' in binding) problems.push(`${where}: ${binding.problem}`);
    }
    if (token.project !== undefined && !GUID.test(token.project)) {
      problems.push(
        `${where}: project must be the project's id (a GUID: System.TeamProjectId, or "id" in GET {organization}/_apis/projects/${token.project}), ` +
          `not a name such as "${token.project}": a report can claim any name`,
      );
    }
  });
  return problems;
}
