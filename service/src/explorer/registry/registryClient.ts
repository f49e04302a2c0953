/**
 * Reads manifests from a registry with the OCI distribution API: `GET /v2/<name>/manifests/<digest>` with an
 * `Accept` for indexes and manifests; on `401` it answers the registry's challenge once (distribution spec,
 * token authentication: a Bearer token from the `realm` for `repository:<name>:pull`, sent with the configured
 * credentials; or Basic credentials when the registry asks for Basic), then asks again.
 *
 * Safety: a hard timeout on every request; no redirects followed (a manifest is answered in place); at most
 * 4 MiB read (the distribution spec's manifest limit); the answer's SHA-256 must be the digest asked for, so a
 * registry cannot make the service believe another document. Credentials go only to the registry itself and
 * to a realm on HTTPS (or on loopback), never into an error message or a log.
 */
import { createHash } from 'node:crypto';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES } from '../platforms/manifest';
import { parseChallenge } from './challenge';
import { isLoopback, registryBaseUrl, type RegistryConfig } from './config';

/** The largest manifest read (distribution spec: registries must accept manifests up to 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A manifest document, verified against its digest. */
export interface FetchedManifest {
  document: unknown;
  contentType: string | null;
}

/** Why a manifest could not be read; the message names the registry and what happened, never a credential. */
export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** Reads manifests from one configured registry. */
export class RegistryClient {
  private readonly base: string;
  /** Bearer tokens by repository, for the life of this client (one lookup round). */
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly registry: RegistryConfig,
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly timeoutMs: number,
  ) {
    this.base = registryBaseUrl(registry);
  }

  /** The manifest `digest` of `repository` (path in the registry: `team/web`). @throws RegistryError */
  async fetchManifest(repository: string, digest: string): Promise<FetchedManifest> {
    const url = `${this.base}/v2/${repository}/manifests/${digest}`;
    let response = await this.get(url, this.authorizationFor(repository));
    if (response.status === 401) {
      const authorization = await this.answerChallenge(parseChallenge(response.headers.get('www-authenticate')), repository);
      await response.body?.cancel();
      if (authorization !== null) response = await this.get(url, authorization);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new RegistryError(`${this.registry.host} answered ${response.status} for ${repository}@${digest}`);
    }
    const body = await readLimited(response, MAX_MANIFEST_BYTES, this.registry.host);
    const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (actual !== digest) throw new RegistryError(`${this.registry.host} answered a document whose digest is ${actual}, not ${digest}`);
    try {
      return { document: JSON.parse(body.toString('utf8')) as unknown, contentType: response.headers.get('content-type') };
    } catch {
      throw new RegistryError(`${this.registry.host} answered a manifest that is not JSON`);
    }
  }

  private password(): string | null {
    const name = this.registry.passwordEnv;
    return name === undefined ? null : (this.env[name] ?? null);
  }

  private basic(): string | null {
    const password = this.password();
    if (this.registry.username === undefined || password === null) return null;
    return `Basic ${Buffer.from(`${this.registry.username}:${password}`, 'utf8').toString('base64')}`;
  }

  private authorizationFor(repository: string): string | null {
    const token = this.tokens.get(repository);
    return token === undefined ? null : `Bearer ${token}`;
  }

  /** The Authorization that answers the challenge, or null when it cannot be answered. */
  private async answerChallenge(challenge: ReturnType<typeof parseChallenge>, repository: string): Promise<string | null> {
    if (challenge === null) return null;
    if (challenge.scheme === 'basic') return this.basic();
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch {
      throw new RegistryError(`${this.registry.host} named a token realm that is not a URL`);
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:')
      throw new RegistryError(`${this.registry.host} named a token realm that is not HTTP(S)`);
    if (challenge.service !== null) realm.searchParams.set('service', challenge.service);
    realm.searchParams.set('scope', `repository:${repository}:pull`);
    // Credentials travel to the realm only over TLS, or where plain HTTP stays on this machine or was allowed.
    const plainAllowed = realm.protocol === 'https:' || isLoopback(realm.host) || this.registry.insecure === true;
    const response = await this.get(realm.toString(), plainAllowed ? this.basic() : null);
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new RegistryError(`the token service of ${this.registry.host} answered ${response.status}`);
    }
    let answer: { token?: unknown; access_token?: unknown };
    try {
      answer = JSON.parse((await readLimited(response, 64 * 1024, this.registry.host)).toString('utf8')) as typeof answer;
    } catch {
      throw new RegistryError(`the token service of ${this.registry.host} answered something that is not JSON`);
    }
    const token = typeof answer.token === 'string' ? answer.token : typeof answer.access_token === 'string' ? answer.access_token : null;
    if (token === null) throw new RegistryError(`the token service of ${this.registry.host} answered no token`);
    this.tokens.set(repository, token);
    return `Bearer ${token}`;
  }

  private async get(url: string, authorization: string | null): Promise<Response> {
    try {
      return await fetch(url, {
        headers: {
          Accept: [...INDEX_MEDIA_TYPES, ...MANIFEST_MEDIA_TYPES].join(', '),
          ...(authorization === null ? {} : { Authorization: authorization }),
        },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'the request failed';
      throw new RegistryError(`${this.registry.host}: ${reason} (${new URL(url).host})`);
    }
  }
}

/** The body, refused past `limit` bytes. */
async function readLimited(response: Response, limit: number, host: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) {
    await response.body?.cancel();
    throw new RegistryError(`${host} answered ${declared} bytes, more than ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (response.body === null) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    size += (chunk as Uint8Array).byteLength;
    if (size > limit) throw new RegistryError(`${host} answered more than ${limit} bytes`);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}
