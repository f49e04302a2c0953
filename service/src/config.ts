/**
 * The service's configuration: defaults, then a JSON config file, then environment
 * variables, then command-line flags. Validated once at start-up; a bad value stops the
 * service with a message that names it.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type Static } from '@sinclair/typebox';
import { AZURE_DEVOPS_DEFAULT_AUDIENCE, issuerFor } from './auth/azureDevOpsClaims';
import { parseDatabaseUrl } from './store/databaseUrl';

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
    /** Where the signing keys are; default {issuer}/.well-known/jwks. */
    jwksUrl: Type.Optional(Type.String({ format: 'uri' })),
    /** Accepted audience; default api://AzureADTokenExchange. */
    audience: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** A static token: only its SHA-256 is configured. */
export const StaticTokenConfigSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    /** Hex SHA-256 of the token (`container-mapping token create` prints it). */
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    scopes: Type.Array(Type.Union([Type.Literal('ingest'), Type.Literal('read')]), { minItems: 1, uniqueItems: true }),
    /** Binds an ingest token to one organisation (name or URL). */
    organization: Type.Optional(Type.String({ minLength: 1 })),
    /** Binds an ingest token to one project (id or name). */
    project: Type.Optional(Type.String({ minLength: 1 })),
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

const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    databaseUrl: Type.String({ minLength: 1 }),
    logLevel: LogLevel,
    /** Largest accepted request body, in bytes. */
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024 }),
    /** Pushes of one image by different runs this close together are ambiguous. */
    ambiguityWindowMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
    /** Serve the read API without a token. */
    readOpen: Type.Boolean(),
    /** Apply migrations when the service starts. */
    migrateOnStart: Type.Boolean(),
    organizations: Type.Array(OrganizationConfigSchema),
    tokens: Type.Array(StaticTokenConfigSchema),
    /** Minutes between scheduled backfills inside `serve`; 0 (the default) turns it off. */
    backfillIntervalMinutes: Type.Integer({ minimum: 0, maximum: 10_080 }),
    /** How far back the first scheduled backfill looks, in hours. */
    backfillLookbackHours: Type.Integer({ minimum: 1, maximum: 24 * 90 }),
    /** Projects the scheduled backfill reads; the PAT comes from CM_BACKFILL_TOKEN. */
    backfillSources: Type.Array(BackfillSourceSchema),
  },
  { additionalProperties: false },
);

export type OrganizationConfig = Static<typeof OrganizationConfigSchema>;
export type BackfillSourceConfig = Static<typeof BackfillSourceSchema>;
export type StaticTokenConfig = Static<typeof StaticTokenConfigSchema>;
export type ServiceConfig = Static<typeof ConfigSchema>;

/** An organisation with its defaults filled in. */
export type ResolvedOrganization = Required<OrganizationConfig>;

/** The defaults: `npm start` needs nothing else. */
export const DEFAULT_CONFIG: ServiceConfig = {
  host: '0.0.0.0',
  port: 8080,
  databaseUrl: 'sqlite:./data/mappings.db',
  logLevel: 'info',
  bodyLimit: 1024 * 1024,
  ambiguityWindowMs: 1500,
  readOpen: false,
  migrateOnStart: true,
  organizations: [],
  tokens: [],
  backfillIntervalMinutes: 0,
  backfillLookbackHours: 24 * 7,
  backfillSources: [],
};

/** Environment variables and the setting each one sets. */
export const ENVIRONMENT_VARIABLES: Record<string, keyof ServiceConfig> = {
  CM_HOST: 'host',
  CM_PORT: 'port',
  CM_DATABASE_URL: 'databaseUrl',
  CM_LOG_LEVEL: 'logLevel',
  CM_BODY_LIMIT: 'bodyLimit',
  CM_AMBIGUITY_WINDOW_MS: 'ambiguityWindowMs',
  CM_READ_OPEN: 'readOpen',
  CM_MIGRATE_ON_START: 'migrateOnStart',
  CM_OIDC_ORGANIZATIONS: 'organizations',
  CM_TOKENS: 'tokens',
  CM_BACKFILL_INTERVAL_MINUTES: 'backfillIntervalMinutes',
  CM_BACKFILL_LOOKBACK_HOURS: 'backfillLookbackHours',
  CM_BACKFILL_SOURCES: 'backfillSources',
};

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
  const file = sources.file ?? sources.env?.CM_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: must hold a JSON object`);
    Object.assign(merged, parsed);
  }
  for (const [variable, key] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const value = sources.env?.[variable];
    if (value !== undefined && value !== '') merged[key] = coerce(key, value, variable);
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) merged[key] = coerce(key as keyof ServiceConfig, value, `--${key}`);
  }
  if (!check(merged)) {
    const problems = (check.errors ?? []).map((e) => {
      const params = e.params as Record<string, unknown>;
      const where = e.instancePath.slice(1) || (typeof params.additionalProperty === 'string' ? params.additionalProperty : '(config)');
      return `${where.replace(/\//g, '.')} ${e.message ?? 'is invalid'}`;
    });
    throw new ConfigError(`invalid configuration: ${[...new Set(problems)].join('; ')}`);
  }
  try {
    parseDatabaseUrl(merged.databaseUrl as string);
  } catch (err) {
    throw new ConfigError(`databaseUrl: ${(err as Error).message}`);
  }
  return merged as ServiceConfig;
}

/** Fills in an organisation's issuer, JWKS URL and audience. */
export function resolveOrganization(org: OrganizationConfig): ResolvedOrganization {
  const issuer = org.issuer ?? issuerFor(org.id);
  return {
    id: org.id.toLowerCase(),
    url: org.url,
    issuer,
    jwksUrl: org.jwksUrl ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks`,
    audience: org.audience ?? AZURE_DEVOPS_DEFAULT_AUDIENCE,
  };
}
