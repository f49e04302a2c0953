/** Who may import inventory: only static tokens with the `inventory` scope. */
import type { Principal } from '../../auth/principal';
import { forbidden, unauthenticated } from '../../errors';

/**
 * Refuses every principal but an `inventory` token. A pipeline's OIDC token speaks for one run, and an
 * `ingest` token for the pipelines that send reports: neither may replace what a whole cluster runs or
 * what a scanner found.
 * @throws ProblemError 401 without credentials, 403 for credentials without the scope.
 */
export function requireInventoryScope(principal: Principal): void {
  if (principal.kind === 'token' && principal.token.scopes.includes('inventory')) return;
  if (principal.kind === 'anonymous') throw unauthenticated('importing needs a token with the inventory scope');
  throw forbidden('these credentials may not import: it needs a static token with the inventory scope');
}
