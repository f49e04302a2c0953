/**
 * The digest a registry serves for a pushed reference, asked of the registry itself: for
 * Podman, whose local `RepoDigests` digest is not the one it pushed, and for an image that
 * holds several digests in the pushed repository (a promotion), where only the registry can
 * say which one the pushed tag names.
 *
 * `HEAD /v2/<repository>/manifests/<tag>` with the manifest media types in `Accept`, and the
 * answer's `Docker-Content-Digest` (the distribution spec's pull section; a `GET` and its body's
 * SHA-256 when a registry leaves the header out). HTTPS; plain HTTP after it only for a
 * loopback registry, as the engine does. When the registry asks for credentials
 * (`WWW-Authenticate: Basic` or `Bearer`, the token flow with `scope=repository:<repo>:pull`),
 * those the agent's Docker or Podman login already stored are used, read-only and never logged:
 * see `authFilePaths`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatImageReference, type ImageReference } from '../common/imageReference';
import { findCredential, isLoopbackRegistry, parseChallenge, registryApiHost, tokenRealm, type RegistryCredential } from './registryAuth';

/** Every manifest kind a push can leave behind: image manifests and indexes, Docker's and OCI's. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/** The registry's digest for a reference, or why it could not be had. */
export type RegistryDigestResult = { ok: true; digest: string } | { ok: false; reason: string };

/** Asks the registry named in `reference` for the digest of its tag. Never throws. */
export type RegistryDigestLookup = (reference: ImageReference) => Promise<RegistryDigestResult>;

/**
 * The auth files a `docker login` or `podman login` on the agent writes, in the order the tools
 * read them: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), then Podman's
 * `$REGISTRY_AUTH_FILE` and `${XDG_RUNTIME_DIR}/containers/auth.json`.
 */
export function authFilePaths(env: NodeJS.ProcessEnv, homeDirectory: string): string[] {
  const paths = [join(env.DOCKER_CONFIG || join(homeDirectory, '.docker'), 'config.json')];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  return paths;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const MAX_BODY = 4 * 1024 * 1024;

/** One request with a deadline; rejects on network errors (the caller decides what they mean). */
function send(
  url: URL,
  method: 'GET' | 'HEAD' | 'POST',
  headers: Record<string, string>,
  timeoutMs: number,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // node:http(s) are loaded only when a registry is asked (Podman's pushes, an ambiguous digest),
    // and node:https (with node:tls and node:crypto) only over HTTPS.
    const request =
      url.protocol === 'https:'
        ? (require('node:https') as typeof import('node:https')).request // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only for HTTPS
        : (require('node:http') as typeof import('node:http')).request; // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only when a registry is asked
    const req = request(url, { method, headers: { 'User-Agent': 'container-mapping-task', ...headers }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // `timeout` bounds silence; this bounds the whole answer.
    const whole = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(whole));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A bearer token from the challenge's realm, with the stored credential when there is one. */
async function bearerToken(
  realm: URL,
  credential: RegistryCredential | undefined,
  budget: () => number,
): Promise<{ token?: string; reason?: string }> {
  let answer: Answer;
  if (credential?.kind === 'identity-token') {
    // An identity token is a refresh token for the OAuth2 form of the token endpoint (what the engine does with it).
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: credential.token,
      client_id: 'container-mapping-task',
      scope: realm.searchParams.get('scope') ?? '',
    });
    const service = realm.searchParams.get('service');
    if (service) form.set('service', service);
    const endpoint = new URL(realm.toString());
    endpoint.search = '';
    answer = await send(endpoint, 'POST', { 'Content-Type': 'application/x-www-form-urlencoded' }, budget(), form.toString());
  } else {
    answer = await send(realm, 'GET', credential ? { Authorization: basic(credential.username, credential.password) } : {}, budget());
  }
  if (answer.status !== 200)
    return { reason: `its token service answered ${answer.status}${credential ? '' : ' (no stored login for it)'}` };
  try {
    const json = JSON.parse(answer.body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    const token = typeof json.token === 'string' ? json.token : typeof json.access_token === 'string' ? json.access_token : undefined;
    return token ? { token } : { reason: 'its token service gave no token' };
  } catch {
    return { reason: 'its token service did not answer JSON' };
  }
}

/** The digest in a manifest answer: the header, or the body's SHA-256 when a registry leaves the header out. */
async function digestOf(answer: Answer, url: URL, headers: Record<string, string>, budget: () => number): Promise<string | undefined> {
  const header = answer.headers['docker-content-digest'];
  if (typeof header === 'string' && /^sha256:[0-9a-f]{64}$/.test(header)) return header;
  const full = await send(url, 'GET', headers, budget());
  if (full.status !== 200 || full.body.length === 0) return undefined;
  const { createHash } = require('node:crypto') as typeof import('node:crypto'); // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only for such a registry
  return `sha256:${createHash('sha256').update(full.body).digest('hex')}`;
}

/** Asks one base URL (scheme and host) for the manifest's digest; network errors reject. */
async function askRegistry(
  base: string,
  reference: ImageReference,
  credentials: () => RegistryCredential | undefined,
  budget: () => number,
): Promise<RegistryDigestResult> {
  const target = reference.tag ?? reference.digest ?? 'latest';
  const url = new URL(`${base}/v2/${reference.repository}/manifests/${target}`);
  const headers: Record<string, string> = { Accept: MANIFEST_MEDIA_TYPES.join(', ') };
  let answer = await send(url, 'HEAD', headers, budget());
  if (answer.status === 401) {
    const challenge = parseChallenge(answer.headers['www-authenticate']);
    const credential = credentials();
    if (challenge?.scheme === 'bearer') {
      const realm = tokenRealm(challenge, reference.repository);
      if (!realm) return { ok: false, reason: 'the registry names a token service the task does not send credentials to (not HTTPS)' };
      const token = await bearerToken(realm, credential, budget);
      if (!token.token) return { ok: false, reason: `the registry asks for a token and ${token.reason ?? 'none was given'}` };
      headers.Authorization = `Bearer ${token.token}`;
    } else if (challenge?.scheme === 'basic' && credential?.kind === 'basic') {
      headers.Authorization = basic(credential.username, credential.password);
    } else {
      return { ok: false, reason: "the registry asks for credentials that the agent's Docker and Podman logins do not hold" };
    }
    answer = await send(url, 'HEAD', headers, budget());
  }
  if (answer.status === 200) {
    const digest = await digestOf(answer, url, headers, budget);
    return digest ? { ok: true, digest } : { ok: false, reason: 'the registry answered without a digest' };
  }
  if (answer.status === 401 || answer.status === 403)
    return { ok: false, reason: `the registry refused the stored login (${answer.status})` };
  if (answer.status === 404) return { ok: false, reason: `the registry has no manifest for ${target}` };
  return { ok: false, reason: `the registry answered ${answer.status}` };
}

/**
 * A lookup over the real registries. `readAuthFiles` gives the auth files' texts (read when a
 * registry first asks for credentials, never before); each lookup, all its requests together
 * (HTTPS, HTTP, token, manifest), gets `timeoutMs`.
 */
export function registryDigestLookup(readAuthFiles: () => string[], timeoutMs: number): RegistryDigestLookup {
  let texts: string[] | undefined;
  return async (reference) => {
    const host = registryApiHost(reference.registry);
    const credentials = () => findCredential((texts ??= readAuthFiles()), reference.registry, reference.repository);
    const bases = [`https://${host}`, ...(isLoopbackRegistry(host) ? [`http://${host}`] : [])];
    const deadline = Date.now() + timeoutMs;
    const budget = () => {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer within ${timeoutMs} ms`);
      return left;
    };
    let failure = '';
    for (const base of bases) {
      try {
        return await askRegistry(base, reference, credentials, budget);
      } catch (err) {
        failure = `${base}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      }
    }
    return { ok: false, reason: `the registry did not answer (${failure}) for ${formatImageReference(reference)}` };
  };
}

/** Reads the auth files that exist; a missing or unreadable one holds nothing. */
export function readAuthFiles(paths: readonly string[]): string[] {
  const texts: string[] = [];
  for (const path of paths) {
    try {
      texts.push(readFileSync(path, 'utf8').slice(0, 1024 * 1024));
    } catch {
      // No login stored there.
    }
  }
  return texts;
}
