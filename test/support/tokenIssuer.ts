/**
 * A loopback stand-in for Azure DevOps' token issuer, `https://vstoken.dev.azure.com`, laid out
 * as the real one is (its published OpenID configuration, e.g. for organisation 0ca3ddd9-…:
 * `{"issuer": "https://vstoken.dev.azure.com/0ca3ddd9-…", "jwks_uri": "https://vstoken.dev.azure.com/.well-known/jwks", …}`):
 *
 * - `GET /{orgId}/.well-known/openid-configuration`: the organisation's discovery document,
 *   whose `issuer` is `{base}/{orgId}` and whose `jwks_uri` is `{base}/.well-known/jwks`;
 * - `GET /.well-known/jwks`: one key set for every organisation.
 *
 * Nothing answers at `{issuer}/.well-known/jwks`, so a verifier that guesses the key location
 * instead of discovering it fails here as it would on Azure DevOps. It counts requests, can
 * make either document fail (an HTTP status or garbage), and can rotate its signing key.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { issuerFor as azureDevOpsIssuerFor, type AzureDevOpsPipelineClaims } from '../../service/src/auth/azureDevOpsClaims';
import { mintAzureDevOpsToken, type MintOptions } from './azureDevOpsTokens';

/** Which document a request asked for. */
export type IssuerDocument = 'discovery' | 'jwks';

/** How a document fails: an HTTP status, or 200 with a body that is not what it should be. */
export type IssuerFailure = number | 'garbage';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** The token issuer stand-in. Start with `TokenIssuerStandIn.start()`; stop with `close()`. */
export class TokenIssuerStandIn {
  /** Requests per document, in order: what the tests count. */
  readonly requests: Array<{ document: IssuerDocument | 'unmatched'; path: string }> = [];
  private readonly failures = new Map<IssuerDocument, IssuerFailure>();
  private keys: SigningKey[];
  private keyCount = 1;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:{port}`: stands for `https://vstoken.dev.azure.com`. */
    readonly base: string,
    first: SigningKey,
  ) {
    this.keys = [first];
  }

  /** Starts the issuer on 127.0.0.1 at a free port, with one RS256 key. */
  static async start(): Promise<TokenIssuerStandIn> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const issuer = new TokenIssuerStandIn(server, `http://127.0.0.1:${port}`, await newKey('stand-in-1'));
    server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const discovery = /^\/([0-9a-fA-F-]{36})\/\.well-known\/openid-configuration$/.exec(path);
      const document: IssuerDocument | 'unmatched' = discovery ? 'discovery' : path === '/.well-known/jwks' ? 'jwks' : 'unmatched';
      issuer.requests.push({ document, path });
      const failure = document === 'unmatched' ? undefined : issuer.failures.get(document);
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (document === 'unmatched') return send(404, JSON.stringify({ message: 'not found' }));
      if (failure === 'garbage') return send(200, '<html>Service Unavailable</html>');
      if (failure !== undefined) return send(failure, JSON.stringify({ message: `stand-in: ${document} made to fail` }));
      if (discovery) {
        // The fields of the published document, with this stand-in's addresses.
        return send(
          200,
          JSON.stringify({
            issuer: issuer.issuerFor(discovery[1] ?? ''),
            jwks_uri: `${issuer.base}/.well-known/jwks`,
            subject_types_supported: ['public', 'pairwise'],
            response_types_supported: ['id_token'],
            claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'nbf'],
            id_token_signing_alg_values_supported: ['RS256'],
            scopes_supported: ['openid'],
          }),
        );
      }
      return send(200, JSON.stringify({ keys: issuer.keys.map((k) => k.jwk) }));
    });
    return issuer;
  }

  /** The issuer of an organisation's tokens: `{base}/{orgId}`, as `https://vstoken.dev.azure.com/{orgId}`. */
  issuerFor(organizationId: string): string {
    return `${this.base}/${organizationId.toLowerCase()}`;
  }

  /** The key set's address (for configurations that name it explicitly). */
  get jwksUrl(): string {
    return `${this.base}/.well-known/jwks`;
  }

  /** The `kid` tokens are signed with now. */
  get currentKeyId(): string {
    return this.current.kid;
  }

  /** The private key tokens are signed with now. */
  get privateKey(): KeyLike {
    return this.current.privateKey;
  }

  /** How many requests asked for `document`. */
  count(document: IssuerDocument): number {
    return this.requests.filter((r) => r.document === document).length;
  }

  /** Makes a document fail; `undefined` heals it. */
  fail(document: IssuerDocument, failure: IssuerFailure | undefined): void {
    if (failure === undefined) this.failures.delete(document);
    else this.failures.set(document, failure);
  }

  /** Adds a new signing key and signs with it from now on; the old key stays published. */
  async rotateKey(): Promise<string> {
    const key = await newKey(`stand-in-${++this.keyCount}`);
    this.keys = [...this.keys, key];
    return key.kid;
  }

  /**
   * Signs claims with the current key. An `iss` of Azure DevOps' form for the token's org
   * (`https://vstoken.dev.azure.com/{org_id}`) becomes this stand-in's issuer for that org.
   */
  mint(claims: AzureDevOpsPipelineClaims, options: Partial<MintOptions> = {}): Promise<string> {
    const iss = claims.iss === azureDevOpsIssuerFor(claims.org_id) ? this.issuerFor(claims.org_id) : claims.iss;
    return mintAzureDevOpsToken({ ...claims, iss }, { privateKey: this.privateKey, keyId: this.currentKeyId, ...options });
  }

  /** Stops the server. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private get current(): SigningKey {
    const key = this.keys[this.keys.length - 1];
    if (!key) throw new Error('stand-in issuer has no key');
    return key;
  }
}
