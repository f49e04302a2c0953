/**
 * A loopback stand-in for GitHub Actions' OIDC issuer, `https://token.actions.githubusercontent.com`,
 * laid out as the real one is (its published discovery document: `issuer` the issuer itself,
 * `jwks_uri` `{issuer}/.well-known/jwks`, `id_token_signing_alg_values_supported: ["RS256"]`), with
 * its own RS256 key, and for the runner's token endpoint (what `ACTIONS_ID_TOKEN_REQUEST_URL` names:
 * @actions/core's `getIDToken(aud)` sends `GET {url}&audience={aud}` with
 * `Authorization: Bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}` and reads `{"value": "<JWT>"}`,
 * actions/toolkit packages/core/src/oidc-utils.ts).
 *
 * - `GET /.well-known/openid-configuration`, `GET /.well-known/jwks`;
 * - `GET /token?api-version=2.0&audience=…`: a token for the job set with `setJob`, for the
 *   audience asked (GitHub's default, the owner's URL, when none is).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import type { GitHubClaims } from '../../service/src/auth/githubClaims';
import { GITHUB_DEFAULT_AUDIENCE } from '../../service/src/auth/githubClaims';

/** How a token is minted besides its claims. */
export interface GitHubMintOptions {
  /** Seconds until `exp` (negative: already expired). Default 300, as GitHub's tokens. */
  expiresInSeconds?: number;
  /** Sign with this key instead of the issuer's (a forged token). */
  privateKey?: KeyLike;
  keyId?: string;
}

/**
 * The claims GitHub would put in a token for the job whose runner environment is `env`
 * (`GITHUB_REPOSITORY`, `GITHUB_REPOSITORY_ID`, `GITHUB_RUN_ID`, …), as the OIDC reference
 * lists them; `iss` is set by the issuer that mints it.
 */
export function claimsFromGitHubEnvironment(
  env: Record<string, string | undefined>,
  audience: string = GITHUB_DEFAULT_AUDIENCE,
): Omit<GitHubClaims, 'iss'> {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`runner variable ${name} is not set`);
    return value;
  };
  const ref = env.GITHUB_REF;
  const claims: Omit<GitHubClaims, 'iss'> = {
    aud: audience,
    sub: `repo:${need('GITHUB_REPOSITORY')}:ref:${ref ?? ''}`,
    repository: need('GITHUB_REPOSITORY'),
    repository_id: need('GITHUB_REPOSITORY_ID'),
    repository_owner: need('GITHUB_REPOSITORY_OWNER'),
    repository_owner_id: need('GITHUB_REPOSITORY_OWNER_ID'),
    run_id: need('GITHUB_RUN_ID'),
    run_attempt: need('GITHUB_RUN_ATTEMPT'),
    sha: need('GITHUB_SHA'),
  };
  const optional: Array<[keyof GitHubClaims, string]> = [
    ['run_number', 'GITHUB_RUN_NUMBER'],
    ['ref', 'GITHUB_REF'],
    ['workflow', 'GITHUB_WORKFLOW'],
    ['workflow_ref', 'GITHUB_WORKFLOW_REF'],
    ['runner_environment', 'RUNNER_ENVIRONMENT'],
    ['event_name', 'GITHUB_EVENT_NAME'],
    ['actor', 'GITHUB_ACTOR'],
  ];
  for (const [claim, variable] of optional) {
    const value = env[variable];
    if (value !== undefined && value !== '') (claims as Record<string, unknown>)[claim] = value;
  }
  return claims;
}

/** The issuer stand-in. Start with `GitHubIssuerStandIn.start()`; stop with `close()`. */
export class GitHubIssuerStandIn {
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  /** The runtime token the token endpoint wants (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`). */
  readonly requestToken = 'stand-in-runtime-token';
  private job: Omit<GitHubClaims, 'iss' | 'aud'> | undefined;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:{port}`: stands for `https://token.actions.githubusercontent.com`, and is the tokens' `iss`. */
    readonly issuer: string,
    private readonly privateKey: KeyLike,
    private readonly jwk: JWK,
  ) {}

  /** Starts on 127.0.0.1 at a free port with one RS256 key. */
  static async start(): Promise<GitHubIssuerStandIn> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const kid = 'github-stand-in-1';
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const stand = new GitHubIssuerStandIn(server, `http://127.0.0.1:${port}`, privateKey, jwk);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      stand.requests.push(url.pathname);
      const send = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (url.pathname === '/.well-known/openid-configuration') {
        return send(200, {
          issuer: stand.issuer,
          jwks_uri: `${stand.issuer}/.well-known/jwks`,
          subject_types_supported: ['public', 'pairwise'],
          response_types_supported: ['id_token'],
          claims_supported: [
            'sub',
            'aud',
            'exp',
            'iat',
            'iss',
            'jti',
            'nbf',
            'ref',
            'repository',
            'repository_id',
            'repository_owner',
            'repository_owner_id',
            'run_id',
            'run_number',
            'run_attempt',
            'actor',
            'workflow',
            'workflow_ref',
            'event_name',
            'sha',
            'runner_environment',
          ],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid'],
        });
      }
      if (url.pathname === '/.well-known/jwks') return send(200, { keys: [stand.jwk] });
      if (url.pathname === '/token') {
        if (req.headers.authorization !== `Bearer ${stand.requestToken}`) return send(401, { message: 'bad runtime token' });
        if (!stand.job) return send(404, { message: 'no job set' });
        const audience = url.searchParams.get('audience') ?? `https://github.com/${stand.job.repository_owner}`;
        stand
          .mint({ ...stand.job, aud: audience })
          .then((value) => send(200, { value }))
          .catch(() => send(500, { message: 'mint failed' }));
        return undefined;
      }
      return send(404, { message: 'not found' });
    });
    return stand;
  }

  /** The token endpoint's address, as `ACTIONS_ID_TOKEN_REQUEST_URL` holds it (it already has a query). */
  get tokenRequestUrl(): string {
    return `${this.issuer}/token?api-version=2.0`;
  }

  /** The job the token endpoint mints tokens for. */
  setJob(claims: Omit<GitHubClaims, 'iss' | 'aud'>): void {
    this.job = claims;
  }

  /** Signs claims with this issuer's key (or `options.privateKey`); `iss` defaults to this issuer. */
  async mint(claims: Omit<GitHubClaims, 'iss'> & { iss?: string }, options: GitHubMintOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, iss: claims.iss ?? this.issuer })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.keyId ?? (this.jwk.kid as string) })
      .setJti(`jti-${now}-${Math.random().toString(36).slice(2)}`)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (options.expiresInSeconds ?? 300))
      .sign(options.privateKey ?? this.privateKey);
  }

  /** Stops the server. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
