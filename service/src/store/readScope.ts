/**
 * Which runs a reader may see (issue 10: "tokens bound to an organisation see only that
 * organisation's runs"). Workloads, exposure and findings are cluster data, not any
 * organisation's: a scope narrows only the runs (pushes and their reports) an answer names.
 */
import type { ImagePush } from '../schemas/images';

/** The runs a reader may see; `{}` sees every run. */
export interface ReadScope {
  /**
   * Organisation URLs (as stored: `normalizeOrganizationUrl`, lower case, no trailing `/`) whose
   * runs may be seen; absent: every organisation's.
   */
  organizationUrls?: readonly string[];
}

/** Every run: what a read token without an organisation binding (or an open service) sees. */
export const EVERY_RUN: ReadScope = {};

/** Whether a push (its report's organisation) is one the scope lets its reader see. */
export function canSee(scope: ReadScope, push: Pick<ImagePush, 'organization'>): boolean {
  return scope.organizationUrls === undefined || scope.organizationUrls.includes(push.organization.url);
}

/**
 * The SQL condition (`?` placeholders) a report row `alias` must meet to be visible, and its
 * values; `null` when the scope sees every run.
 */
export function scopeCondition(scope: ReadScope, alias: string): { sql: string; params: string[] } | null {
  const urls = scope.organizationUrls;
  if (urls === undefined) return null;
  // An empty list sees nothing; `IN ()` is not valid SQL on either database.
  if (urls.length === 0) return { sql: '1 = 0', params: [] };
  return { sql: `${alias}.organization_url IN (${urls.map(() => '?').join(', ')})`, params: [...urls] };
}
