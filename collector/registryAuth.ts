/**
 * What the registry digest lookup needs to know before it asks a registry: where the registry
 * answers, which credentials the agent's Docker or Podman configuration already holds for it,
 * and what a `WWW-Authenticate` challenge asks for. Pure: the files are read, and the requests
 * made, in `registryDigest.ts`.
 */

/** Credentials for one registry, as a Docker or Podman auth file holds them. Never logged. */
export type RegistryCredential = { kind: 'basic'; username: string; password: string } | { kind: 'identity-token'; token: string };

/** Docker Hub's names in the CLI's config (`https://index.docker.io/v1/` is the CLI's own key). */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** Where a registry's API answers: Docker Hub's references say `docker.io`, its API is `registry-1.docker.io`. */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/**
 * Whether a registry host is a loopback address, which Docker treats as insecure by default
 * (moby's registry configuration always lists 127.0.0.0/8): there, plain HTTP is tried when
 * HTTPS fails, as the engine does.
 */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : (registry.split(':')[0] ?? '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A config key as the CLI compares it: without scheme and path (`https://host:5000/v1/` → `host:5000`). */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
}

function decodeAuth(entry: Record<string, unknown>): RegistryCredential | undefined {
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { kind: 'identity-token', token: entry.identitytoken };
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { kind: 'basic', username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
    return { kind: 'basic', username: entry.username, password: entry.password };
  }
  return undefined;
}

/**
 * The credential for `registry`/`repository` in the auth files' texts (Docker's
 * `config.json`, Podman's `auth.json`: both `{"auths": {key: {"auth": base64("user:password")}}}`),
 * first file first. Podman also keys by namespace (`host/team`): the longest key that is a
 * prefix of `host/repository` wins. Entries that only name a credential helper
 * (`credsStore`, `credHelpers`) hold nothing here: helpers are programs, and the task runs none.
 */
export function findCredential(fileTexts: readonly string[], registry: string, repository: string): RegistryCredential | undefined {
  const full = `${registry}/${repository}`;
  for (const text of fileTexts) {
    let auths: unknown;
    try {
      auths = (JSON.parse(text) as { auths?: unknown }).auths;
    } catch {
      continue;
    }
    if (typeof auths !== 'object' || auths === null) continue;
    let best: { length: number; credential: RegistryCredential } | undefined;
    for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
      if (typeof value !== 'object' || value === null) continue;
      const bare = key
        .replace(/^[a-z]+:\/\//i, '')
        .replace(/\/v[12]\/?$/, '')
        .replace(/\/$/, '');
      const matches =
        registry === 'docker.io'
          ? DOCKER_HUB_KEYS.includes(key) || DOCKER_HUB_KEYS.includes(keyHost(key))
          : keyHost(key) === registry && (bare === registry || full.startsWith(`${bare}/`));
      if (!matches) continue;
      const credential = decodeAuth(value as Record<string, unknown>);
      if (credential && (!best || bare.length > best.length)) best = { length: bare.length, credential };
    }
    if (best) return best.credential;
  }
  return undefined;
}

/** A `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth.example/token",service="registry.example",scope="…"`; undefined when it is not one. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = pattern.exec(match[2] ?? ''); m; m = pattern.exec(match[2] ?? '')) {
    if (m[1]) params[m[1].toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: match[1].toLowerCase(), params };
}

/**
 * Where a bearer token may be asked for, with credentials: over HTTPS, or over plain HTTP only
 * on loopback. Undefined for any other realm (credentials never travel in clear to the network).
 */
export function tokenRealm(challenge: Challenge, repository: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(challenge.params.realm ?? '');
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackRegistry(url.host))) return undefined;
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', `repository:${repository}:pull`);
  return url;
}
