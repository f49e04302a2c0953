/**
 * A token issuer for tests: its own RS256 key pair, a JWKS document, and signed JWTs shaped
 * like Azure DevOps' pipeline tokens (issuer `https://vstoken.dev.azure.com/<organisation id>`).
 * The service verifies these against the JWKS exactly as it would Azure DevOps' own.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/** A test issuer. */
export interface OidcIssuer {
  readonly issuer: string;
  readonly kid: string;
  /** The JWKS document to serve. */
  jwks(): { keys: JWK[] };
  /** Signs `claims` with the issuer's key; `iss`, `iat` and `exp` are set unless given. */
  mint(claims: Record<string, unknown>, options?: { audience?: string; expiresInSeconds?: number }): Promise<string>;
}

/** Creates an issuer for the organisation with the given id. */
export async function createOidcIssuer(organizationId: string, kid = 'test-key-1'): Promise<OidcIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const issuer = `https://vstoken.dev.azure.com/${organizationId}`;
  return {
    issuer,
    kid,
    jwks: () => ({ keys: [jwk] }),
    mint: (claims, options = {}) => sign(privateKey, kid, issuer, claims, options),
  };
}

async function sign(
  key: KeyLike,
  kid: string,
  issuer: string,
  claims: Record<string, unknown>,
  options: { audience?: string; expiresInSeconds?: number },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .setIssuer(typeof claims.iss === 'string' ? claims.iss : issuer)
    .setIssuedAt(now)
    .setNotBefore(now - 5)
    .setExpirationTime(now + (options.expiresInSeconds ?? 600));
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(key);
}
