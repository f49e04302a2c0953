/**
 * Static tokens for Azure DevOps Server and simple set-ups. Only their SHA-256 is stored:
 * the tokens are 256-bit random values, so a fast hash is enough (no password stretching).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StaticTokenConfig } from '../config';

/** The prefix of tokens `container-mapping token create` makes, to tell them from JWTs. */
export const STATIC_TOKEN_PREFIX = 'cmt_';

/** Hex SHA-256 of a token, as configured. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token. */
export function generateToken(): string {
  return STATIC_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Finds configured tokens by the hash of what a client presents. */
export class StaticTokenTable {
  private readonly byHash = new Map<string, StaticTokenConfig>();

  constructor(tokens: StaticTokenConfig[]) {
    for (const token of tokens) this.byHash.set(token.sha256, token);
  }

  /** The configured token the presented one hashes to, or null. */
  find(presented: string): StaticTokenConfig | null {
    return this.byHash.get(hashToken(presented)) ?? null;
  }
}
