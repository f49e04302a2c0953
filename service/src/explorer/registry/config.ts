/**
 * The registries the service may ask about manifests (issue 10: index vs platform matching). Off by
 * default: with no registry configured, the service never makes a request to one.
 */
import { Type, type Static } from '@sinclair/typebox';

/** One registry the service may read manifests from. */
export const RegistryConfigSchema = Type.Object(
  {
    /** Host as image references name it, with port when it has one: `registry.contoso.com`, `127.0.0.1:5000`, `docker.io`. */
    host: Type.String({ pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$', maxLength: 255 }),
    /** User name for the registry (or its token service); needs `passwordEnv`. */
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /**
     * The environment variable holding the password or access token: the secret never sits in the config file,
     * and the service never logs it or answers with it.
     */
    passwordEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 100 })),
    /** Plain HTTP (no TLS) to a registry that is not on loopback. Loopback registries are always asked over plain HTTP. */
    insecure: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type RegistryConfig = Static<typeof RegistryConfigSchema>;

/** Problems a schema cannot see: a user name without a password, a password without a user name, a host twice. */
export function registryConfigProblems(registries: readonly RegistryConfig[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  registries.forEach((r, i) => {
    if ((r.username === undefined) !== (r.passwordEnv === undefined)) {
      problems.push(`registries.${i}: username and passwordEnv go together`);
    }
    if (seen.has(r.host)) problems.push(`registries.${i}.host: ${r.host} is configured twice`);
    seen.add(r.host);
  });
  return problems;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost)(:\d+)?$/;

/** Whether `host` (with or without port) is this machine: plain HTTP to it never leaves the machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Where the registry's API is: Docker Hub answers on registry-1.docker.io; HTTPS unless on loopback or marked insecure. */
export function registryBaseUrl(registry: RegistryConfig): string {
  const host = registry.host === 'docker.io' ? 'registry-1.docker.io' : registry.host;
  return `${registry.insecure === true || isLoopback(host) ? 'http' : 'https'}://${host}`;
}
