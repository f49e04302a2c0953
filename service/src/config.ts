/**
 * The service's configuration: defaults, then a JSON config file, then environment
 * variables, then command-line flags. Validated once at start-up; a bad value stops the
 * service with a message that names it.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type SchemaOptions, type Static } from '@sinclair/typebox';
import { AZURE_DEVOPS_DEFAULT_AUDIENCE, issuerFor } from './auth/azureDevOpsClaims';
import { StaticTokenConfigSchema, staticTokenProblems, type StaticTokenConfig } from './auth/staticTokens';
import { GitHubOwnerConfigSchema, gitHubOwnerProblems, type GitHubOwnerConfig } from './auth/githubOwners';
import { parseDatabaseUrl } from './store/databaseUrl';
import { RemediationOrganizationSchema } from './remediation/settings';
import { RegistryConfigSchema, registryConfigProblems, type RegistryConfig } from './explorer/registry/config';

const Guid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });

/** One Azure DevOps organisation whose pipeline tokens the service accepts. */
export const OrganizationConfigSchema = Type.Object(
  {
    /** Organisation id (System.CollectionId): the issuer is https://vstoken.dev.azure.com/{id}. */
    id: Guid,
    /** Organisation URL (System.CollectionUri); reports must name this organisation. */
    url: Type.String({ format: 'uri' }),
    /** Overrides the issuer (Azure DevOps Server, sovereign clouds). */
    issuer: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Where the signing keys are, when they must not be discovered. By default the service
     * reads `jwks_uri` from `{issuer}/.well-known/openid-configuration` (for Azure DevOps
     * Services: https://vstoken.dev.azure.com/.well-known/jwks, one key set for all organisations).
     */
    jwksUrl: Type.Optional(Type.String({ format: 'uri' })),
    /** Accepted audience; default api://AzureADTokenExchange. */
    audience: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** A project whose runs the scheduled backfill reads attachments from. */
export const BackfillSourceSchema = Type.Object(
  {
    /** Organisation (collection) URL, e.g. https://dev.azure.com/contoso. */
    organizationUrl: Type.String({ format: 'uri' }),
    /** Project name or id. */
    project: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/**
 * A cluster the scheduled sync of `serve` reads (`sync kubernetes` on a timer): where its credentials come from, as
 * the command's flags say it (a kubeconfig file and context, the pod's service account, or the client's defaults).
 */
export const KubernetesSyncSchema = Type.Object(
  {
    /** The name the snapshot is kept under, as `--cluster`. */
    cluster: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    /** A kubeconfig file (credentials stay in it, never in this configuration). */
    kubeconfig: Type.Optional(Type.String({ minLength: 1 })),
    /** A context of the kubeconfig; default: its current context. */
    context: Type.Optional(Type.String({ minLength: 1 })),
    /** Read with the pod's service account (the service runs in the cluster); takes neither kubeconfig nor context. */
    inCluster: Type.Optional(Type.Boolean()),
    /** Minutes between two reads; at least 5 (a large cluster's read takes minutes, and each costs its API server). */
    intervalMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 10_080 })),
    /** Items per list call (default 500, kubectl's). */
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** Seconds one list call (one page) may take before the sync gives up on this read and keeps the previous snapshot (default 60). */
    requestTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  },
  { additionalProperties: false },
);

/** Minutes between scheduled syncs of a cluster whose entry does not say. */
export const DEFAULT_SYNC_INTERVAL_MINUTES = 15;

const LogLevel = (options: SchemaOptions) =>
  Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    options,
  );

/**
 * The settings. Each one's names outside the config file are written here and only here, as
 * annotations (see `SettingNames`): `env` (its environment variable) and, for some, `flag`. The
 * environment reader below, the flags (`cli/configFlags.ts`) and the table in service/README.md
 * (`npm run docs:config`) are derived from them; `description` is the README's sentence.
 */
export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, env: 'CM_HOST', flag: '--host', description: 'Address to listen on.' }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      env: 'CM_PORT',
      flag: '--port',
      description: 'Port to listen on; 0 lets the OS choose (`serve` prints the URL).',
    }),
    databaseUrl: Type.String({
      minLength: 1,
      env: 'CM_DATABASE_URL',
      flag: '--database',
      description: '`sqlite:<file>` or `postgres://user:pass@host:5432/db?schema=name` (see PostgreSQL).',
    }),
    logLevel: LogLevel({
      env: 'CM_LOG_LEVEL',
      flag: '--log-level',
      description: 'fatal, error, warn, info, debug, trace or silent; request lines only at `debug`.',
    }),
    bodyLimit: Type.Integer({
      minimum: 1024,
      maximum: 100 * 1024 * 1024,
      env: 'CM_BODY_LIMIT',
      flag: '--body-limit',
      description: 'Largest accepted request body, in bytes.',
    }),
    importBodyLimit: Type.Integer({
      minimum: 1024,
      // Bodies are streamed and pruned (routes/inventory/keptPaths.ts), so this bounds the work of one import, not a string.
      maximum: 500 * 1024 * 1024,
      env: 'CM_IMPORT_BODY_LIMIT',
      flag: '--import-body-limit',
      description: 'Largest accepted body of an import (cluster snapshot, scanner document), in bytes.',
    }),
    requestTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      env: 'CM_REQUEST_TIMEOUT_MS',
      flag: '--request-timeout-ms',
      description:
        'How long a client has to send one whole request, headers and body (ms); then it gets 408 and the connection is closed. Cuts off stalled and slow uploads.',
    }),
    connectionTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 3_600_000,
      env: 'CM_CONNECTION_TIMEOUT_MS',
      flag: '--connection-timeout-ms',
      description: 'A connection on which nothing is sent or received for this long (ms) is closed.',
    }),
    ambiguityWindowMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      env: 'CM_AMBIGUITY_WINDOW_MS',
      flag: '--ambiguity-window-ms',
      description: 'Pushes of one image by different jobs this close together (ms) are ambiguous.',
    }),
    readOpen: Type.Boolean({ env: 'CM_READ_OPEN', flag: '--read-open', description: 'Serve the read API without a token.' }),
    migrateOnStart: Type.Boolean({
      env: 'CM_MIGRATE_ON_START',
      flag: '--no-migrate',
      flagSets: false,
      description: 'Apply migrations when the service starts.',
    }),
    organizations: Type.Array(OrganizationConfigSchema, {
      env: 'CM_OIDC_ORGANIZATIONS',
      description: 'Organisations whose pipeline OIDC tokens are accepted (see below).',
    }),
    githubOwners: Type.Array(GitHubOwnerConfigSchema, {
      env: 'CM_GITHUB_OWNERS',
      description:
        'GitHub organisations or users whose Actions OIDC tokens are accepted, `[{"name": "contoso", "id": "2020"}]` (see GitHub Actions).',
    }),
    tokens: Type.Array(StaticTokenConfigSchema, { env: 'CM_TOKENS', description: 'Static tokens, by SHA-256 (see Static tokens).' }),
    backfillIntervalMinutes: Type.Integer({
      minimum: 0,
      maximum: 10_080,
      env: 'CM_BACKFILL_INTERVAL_MINUTES',
      flag: '--backfill-interval-minutes',
      description: 'Minutes between scheduled backfills inside `serve`; 0 turns them off.',
    }),
    backfillLookbackHours: Type.Integer({
      minimum: 1,
      maximum: 24 * 90,
      env: 'CM_BACKFILL_LOOKBACK_HOURS',
      description: 'How far back the first scheduled backfill looks, in hours.',
    }),
    backfillSources: Type.Array(BackfillSourceSchema, {
      env: 'CM_BACKFILL_SOURCES',
      description:
        'Projects the scheduled backfill reads, `[{"organizationUrl": "https://dev.azure.com/contoso", "project": "Shop"}]`; the PAT comes from `CM_BACKFILL_TOKEN`.',
    }),
    remediation: Type.Array(RemediationOrganizationSchema, {
      env: 'CM_REMEDIATION',
      description:
        'Organisations in which `POST /api/v1/remediations` files work items, with a PAT (`Work Items: Read & write`) each (see Remediation hand-off).',
    }),
    registries: Type.Array(RegistryConfigSchema, {
      env: 'CM_REGISTRIES',
      maxItems: 100,
      description:
        'Registries asked about running digests no report explains (index ↔ platform manifests), `[{"host": "registry.contoso.com", "username": "reader", "passwordEnv": "CM_REGISTRY_PASSWORD"}]`; empty: never asked.',
    }),
    kubernetesSyncs: Type.Array(KubernetesSyncSchema, {
      env: 'CM_KUBERNETES_SYNCS',
      description:
        'Clusters `serve` reads on a schedule (off: `[]`), `[{"cluster": "prod", "kubeconfig": "/etc/cm/kubeconfig", "context": "prod", "intervalMinutes": 15}]` or `{"cluster": "here", "inCluster": true}` (see Scheduled sync).',
    }),
  },
  { additionalProperties: false },
);

export type OrganizationConfig = Static<typeof OrganizationConfigSchema>;
export type BackfillSourceConfig = Static<typeof BackfillSourceSchema>;
export type KubernetesSyncConfig = Static<typeof KubernetesSyncSchema>;
export type ServiceConfig = Static<typeof ConfigSchema>;
export type { StaticTokenConfig };

/** An organisation with its defaults filled in; `jwksUrl` stays unset unless configured (then keys are discovered). */
export type ResolvedOrganization = Required<Omit<OrganizationConfig, 'jwksUrl'>> & Pick<OrganizationConfig, 'jwksUrl'>;

/** The defaults: `npm start` needs nothing else. */
export const DEFAULT_CONFIG: ServiceConfig = {
  host: '0.0.0.0',
  port: 8080,
  databaseUrl: 'sqlite:./data/mappings.db',
  logLevel: 'info',
  bodyLimit: 1024 * 1024,
  importBodyLimit: 256 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 60_000,
  ambiguityWindowMs: 1500,
  readOpen: false,
  migrateOnStart: true,
  organizations: [],
  githubOwners: [],
  tokens: [],
  backfillIntervalMinutes: 0,
  backfillLookbackHours: 24 * 7,
  backfillSources: [],
  remediation: [],
  registries: [],
  kubernetesSyncs: [],
};

/** The environment variable that names a JSON config file (the flag is `--config`). */
export const CONFIG_FILE_ENV = 'CM_CONFIG';

/** The annotations a setting's schema carries besides its validation keywords. */
export interface SettingNames {
  /** Its environment variable, e.g. `CM_PORT`. */
  env?: string;
  /** Its command-line flag, e.g. `--port`, when it has one. */
  flag?: string;
  /** For a boolean setting: the value its flag sets (default true; `--no-migrate` sets false). */
  flagSets?: boolean;
  /** One sentence for the README. */
  description?: string;
}

/** One setting with its outside names, read from its schema. */
export interface Setting extends SettingNames {
  key: keyof ServiceConfig;
  /** How a text value (environment or flag) is read. */
  kind: 'string' | 'integer' | 'boolean' | 'json';
}

function settingOf(key: keyof ServiceConfig): Setting {
  const schema = ConfigSchema.properties[key] as SettingNames & { type?: unknown };
  const kind = schema.type === 'integer' || schema.type === 'boolean' ? schema.type : schema.type === 'array' ? 'json' : 'string';
  const setting: Setting = { key, kind };
  if (typeof schema.env === 'string') setting.env = schema.env;
  if (typeof schema.flag === 'string') setting.flag = schema.flag;
  if (typeof schema.flagSets === 'boolean') setting.flagSets = schema.flagSets;
  if (typeof schema.description === 'string') setting.description = schema.description;
  return setting;
}

/** Every setting, in the schema's order, with the names written on its schema. */
export const SETTINGS: readonly Setting[] = (Object.keys(ConfigSchema.properties) as Array<keyof ServiceConfig>).map(settingOf);

/** Environment variables and the setting each one sets (derived from `SETTINGS`). */
export const ENVIRONMENT_VARIABLES: Record<string, keyof ServiceConfig> = Object.fromEntries(
  SETTINGS.flatMap((s) => (s.env === undefined ? [] : [[s.env, s.key]])),
);

/** A configuration that cannot be used; the message names every bad setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Converts a text value (env var or flag) to the type its setting has. */
function coerce(key: keyof ServiceConfig, text: string, source: string): unknown {
  const kind = ConfigSchema.properties[key];
  if (kind.type === 'integer') {
    if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${source}: "${text}" is not a whole number`);
    return Number(text);
  }
  if (kind.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    throw new ConfigError(`${source}: "${text}" is not true or false`);
  }
  if (kind.type === 'array') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ConfigError(`${source}: not valid JSON`);
    }
  }
  return text;
}

/** Where settings come from; later sources win. */
export interface ConfigSources {
  /** Path of a JSON config file with any of the settings. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Settings from flags, as text. */
  flags?: Partial<Record<keyof ServiceConfig, string>>;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const check = ajv.compile<ServiceConfig>(ConfigSchema);

/**
 * Merges the sources over the defaults and validates the result.
 * @throws ConfigError naming each bad setting and where it came from.
 */
export function loadConfig(sources: ConfigSources = {}): ServiceConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG };
  const file = sources.file ?? sources.env?.[CONFIG_FILE_ENV];
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError(`config file ${file}: must hold a JSON object`);
    Object.assign(merged, parsed);
  }
  for (const [variable, key] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const value = sources.env?.[variable];
    if (value !== undefined && value !== '') merged[key] = coerce(key, value, variable);
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    const setting = SETTINGS.find((s) => s.key === key);
    if (value !== undefined) merged[key] = coerce(key as keyof ServiceConfig, value, setting?.flag ?? `--${key}`);
  }
  if (!check(merged)) {
    const problems = (check.errors ?? []).map((e) => {
      const params = e.params as Record<string, unknown>;
      const where = e.instancePath.slice(1) || (typeof params.additionalProperty === 'string' ? params.additionalProperty : '(config)');
      return `${where.replace(/\//g, '.')} ${e.message ?? 'is invalid'}`;
    });
    throw new ConfigError(`invalid configuration: ${[...new Set(problems)].join('; ')}`);
  }
  const tokenProblems = staticTokenProblems(merged.tokens as StaticTokenConfig[]);
  if (tokenProblems.length > 0) throw new ConfigError(`invalid configuration: ${tokenProblems.join('; ')}`);
  const ownerProblems = gitHubOwnerProblems(merged.githubOwners as GitHubOwnerConfig[]);
  if (ownerProblems.length > 0) throw new ConfigError(`invalid configuration: ${ownerProblems.join('; ')}`);
  const registryProblems = registryConfigProblems(merged.registries as RegistryConfig[]);
  if (registryProblems.length > 0) throw new ConfigError(`invalid configuration: ${registryProblems.join('; ')}`);
  const syncProblems = kubernetesSyncProblems(merged.kubernetesSyncs as KubernetesSyncConfig[]);
  if (syncProblems.length > 0) throw new ConfigError(`invalid configuration: ${syncProblems.join('; ')}`);
  try {
    parseDatabaseUrl(merged.databaseUrl as string);
  } catch (err) {
    throw new ConfigError(`databaseUrl: ${(err as Error).message}`);
  }
  return merged as ServiceConfig;
}

/** What the schema cannot say about the scheduled syncs: one entry per cluster, and one source of credentials each. */
function kubernetesSyncProblems(syncs: readonly KubernetesSyncConfig[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  syncs.forEach((sync, index) => {
    if (seen.has(sync.cluster)) problems.push(`kubernetesSyncs.${index}.cluster "${sync.cluster}" is listed twice`);
    seen.add(sync.cluster);
    if (sync.inCluster === true && (sync.kubeconfig !== undefined || sync.context !== undefined)) {
      problems.push(`kubernetesSyncs.${index}: inCluster reads the pod's service account, so it takes neither kubeconfig nor context`);
    }
  });
  return problems;
}

/** Fills in an organisation's issuer and audience; the JWKS URL only when configured. */
export function resolveOrganization(org: OrganizationConfig): ResolvedOrganization {
  return {
    id: org.id.toLowerCase(),
    url: org.url,
    issuer: org.issuer ?? issuerFor(org.id),
    ...(org.jwksUrl ? { jwksUrl: org.jwksUrl } : {}),
    audience: org.audience ?? AZURE_DEVOPS_DEFAULT_AUDIENCE,
  };
}
