/**
 * An issuer's signing keys, found the way OpenID Connect Discovery says: the issuer's
 * `{issuer}/.well-known/openid-configuration` names `jwks_uri`, and the key set is there.
 * For Azure DevOps that is one key set for every organisation: issuer
 * `https://vstoken.dev.azure.com/{orgId}`, `jwks_uri` `https://vstoken.dev.azure.com/.well-known/jwks`.
 *
 * The keys are cached and fetched again when a token names a `kid` the cache does not hold
 * (key rotation), or when the cache is old. Every fetch, successful or not, is rate-limited
 * per issuer: a flood of tokens with random `kid`s, or an issuer whose endpoints answer 500 or
 * garbage, costs at most one discovery and one key-set request per interval, never one per token.
 */
import { createLocalJWKSet, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters, type KeyLike } from 'jose';

/** The documents are small; anything larger is not a key set. */
const MAX_DOCUMENT_BYTES = 512 * 1024;

/** Options for {@link IssuerKeys}. */
export interface IssuerKeysOptions {
  /** The issuer (`iss`); discovery is `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** Where the keys are, when configured explicitly: no discovery then. */
  jwksUrl?: string;
  /** Per-request timeout, ms. Default 5,000. */
  timeoutMs?: number;
  /** After a successful fetch, the earliest next one (unknown `kid`), ms. Default 30,000. */
  refreshIntervalMs?: number;
  /** Keys older than this are fetched again before use (the old ones serve if that fails), ms. Default 10 min. */
  maxAgeMs?: number;
  /** The wait after a first failed fetch; it doubles with each failure in a row. Default 5,000. */
  failureBackoffMs?: number;
  /** The longest wait after failures, ms. Default 5 min. */
  maxBackoffMs?: number;
  /** The clock (tests pass their own). */
  now?: () => number;
  /** The HTTP client (tests may count or fail requests). */
  fetch?: typeof fetch;
}

/** The issuer's keys cannot be had now; the message says why and when they will be tried again. */
export class SigningKeysUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeysUnavailable';
  }
}

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<KeyLike>;

/** One issuer's key set, usable as jose's `jwtVerify` key function: `keys.getKey`. */
export class IssuerKeys {
  private readonly options: Required<Omit<IssuerKeysOptions, 'jwksUrl'>> & { jwksUrl?: string };
  private resolver: KeyResolver | undefined;
  private kids = new Set<string>();
  private fetchedAt = 0;
  /** Earliest time the next fetch may start. */
  private nextFetchAt = 0;
  private failuresInARow = 0;
  private lastError: string | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(options: IssuerKeysOptions) {
    this.options = {
      timeoutMs: 5000,
      refreshIntervalMs: 30_000,
      maxAgeMs: 10 * 60_000,
      failureBackoffMs: 5000,
      maxBackoffMs: 5 * 60_000,
      now: Date.now,
      fetch: (input, init) => fetch(input, init),
      ...options,
    };
  }

  /** The key for a token's protected header; jose calls it during `jwtVerify`. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike> => {
    const known = this.resolver !== undefined && (header.kid === undefined || this.kids.has(header.kid));
    const stale = this.resolver !== undefined && this.options.now() - this.fetchedAt >= this.options.maxAgeMs;
    if ((!known || stale) && (this.inFlight !== undefined || this.options.now() >= this.nextFetchAt)) {
      await this.refresh();
    }
    if (!this.resolver) {
      const wait = Math.max(0, Math.ceil((this.nextFetchAt - this.options.now()) / 1000));
      throw new SigningKeysUnavailable(
        `the issuer's signing keys could not be fetched (${this.lastError ?? 'not tried yet'}); next attempt in ${wait} s`,
      );
    }
    return this.resolver(header, token);
  };

  /** One fetch at a time: concurrent callers wait for the same one. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    const started = this.options.now();
    try {
      const jwksUrl = this.options.jwksUrl ?? (await this.discoverJwksUrl());
      const set = await this.getJson(jwksUrl, 'key set');
      if (!isKeySet(set)) throw new Error(`the key set at ${jwksUrl} has no "keys" array`);
      this.resolver = createLocalJWKSet(set);
      this.kids = new Set(set.keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
      this.fetchedAt = started;
      this.failuresInARow = 0;
      this.lastError = undefined;
      this.nextFetchAt = started + this.options.refreshIntervalMs;
    } catch (err) {
      this.failuresInARow++;
      this.lastError = (err as Error).message;
      const backoff = Math.min(this.options.maxBackoffMs, this.options.failureBackoffMs * 2 ** Math.min(this.failuresInARow - 1, 20));
      this.nextFetchAt = started + backoff;
      // Keys fetched before stay in use: a failing refresh must not stop verification.
    }
  }

  /** Reads `jwks_uri` from the issuer's OpenID configuration, whose `issuer` must be this issuer. */
  private async discoverJwksUrl(): Promise<string> {
    const issuer = this.options.issuer.replace(/\/+$/, '');
    const url = `${issuer}/.well-known/openid-configuration`;
    const doc = await this.getJson(url, 'OpenID configuration');
    if (typeof doc !== 'object' || doc === null) throw new Error(`the OpenID configuration at ${url} is not a JSON object`);
    const { issuer: named, jwks_uri: jwksUri } = doc as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one it was fetched for.
    if (typeof named !== 'string' || named.replace(/\/+$/, '') !== issuer) {
      throw new Error(`the OpenID configuration at ${url} names issuer ${JSON.stringify(named)}, not ${issuer}`);
    }
    if (typeof jwksUri !== 'string') throw new Error(`the OpenID configuration at ${url} has no jwks_uri`);
    let parsed: URL;
    try {
      parsed = new URL(jwksUri);
    } catch {
      throw new Error(`the OpenID configuration at ${url} has a jwks_uri that is not a URL`);
    }
    // Keys for an https issuer come over https only.
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && new URL(issuer).protocol === 'http:')) {
      throw new Error(`the OpenID configuration at ${url} has a jwks_uri that is not https`);
    }
    return parsed.href;
  }

  private async getJson(url: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'follow',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (err as Error).message;
      throw new Error(`${what} ${url}: ${reason}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`${what} ${url} answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_DOCUMENT_BYTES) {
      await response.body?.cancel();
      throw new Error(`${what} ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    }
    const text = await response.text();
    if (text.length > MAX_DOCUMENT_BYTES) throw new Error(`${what} ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`${what} ${url} is not JSON`);
    }
  }
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { keys?: unknown }).keys) &&
    (value as { keys: unknown[] }).keys.every((k) => typeof k === 'object' && k !== null)
  );
}
