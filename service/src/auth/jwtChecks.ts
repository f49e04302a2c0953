/**
 * What both OIDC verifiers (Azure DevOps job tokens, `oidcVerifier.ts`; GitHub Actions job tokens,
 * `githubVerifier.ts`) check the same way: the algorithms accepted, the unverified first look that
 * picks the issuer, and how jose's refusals are worded (never echoing the token).
 */
import { decodeJwt, decodeProtectedHeader, errors } from 'jose';
import { unauthenticated } from '../errors';
import { SigningKeysUnavailable } from './issuerKeys';

/** Asymmetric signatures only: a shared-secret (HS*) or unsigned token is never accepted. */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/**
 * The token's issuer, read before anything is verified (to choose whose keys verify it), once its header names an
 * accepted algorithm.
 * @throws ProblemError 401 when it is not a well-formed JWT or its algorithm is not accepted.
 */
export function unverifiedIssuer(token: string): unknown {
  let alg: string | undefined;
  let issuer: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    issuer = decodeJwt(token).iss;
  } catch {
    throw unauthenticated('the bearer token is not a well-formed JWT');
  }
  if (alg === undefined || !ALLOWED_ALGORITHMS.includes(alg)) {
    throw unauthenticated(`token algorithm "${alg ?? 'missing'}" is not accepted (asymmetric signatures only)`);
  }
  return issuer;
}

/** Why jose refused a token, in a few words; `keysOf` names whose JWKS ("the organisation's", "the issuer's"). */
export function describeJoseError(err: unknown, keysOf: string): string {
  if (err instanceof SigningKeysUnavailable) return err.message;
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim "${err.claim}" is not valid (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return `no key in ${keysOf} JWKS matches the token`;
  if (err instanceof errors.JWKSTimeout) return `${keysOf} JWKS did not answer in time`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  if (err instanceof errors.JOSEError) return err.code;
  return 'the token could not be verified';
}
