/**
 * The list query's parameters as a store filter: one pure mapping, shared by the
 * `GET /api/v1/images` route and `container-mapping query images --database`.
 */
import { parseTimestamp } from '../../../common/timestamp';
import { invalidInput } from '../errors';
import type { ImageListQuery } from '../schemas/images';
import type { ReadScope } from '../store/readScope';
import type { PushFilter } from '../store/store';

/**
 * Turns the query string into a store filter.
 * @throws ProblemError 400 naming `since` or `until` when it names no storable instant.
 */
export function toPushFilter(query: ImageListQuery): PushFilter {
  const filter: PushFilter = {};
  const keys = ['registry', 'repository', 'tag', 'organization', 'project', 'pipeline', 'sourceRepository', 'commit'] as const;
  for (const key of keys) if (query[key] !== undefined) filter[key] = query[key];
  if (query.provider !== undefined) filter.provider = query.provider;
  if (query.since !== undefined) filter.sinceMs = instantOf('since', query.since);
  if (query.until !== undefined) filter.untilMs = instantOf('until', query.until);
  return filter;
}

/** @throws ProblemError 400 naming the parameter when the date-time names no storable instant. */
function instantOf(parameter: 'since' | 'until', text: string): number {
  const ms = parseTimestamp(text);
  if (ms === undefined) {
    const detail = 'is not a date-time between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
    throw invalidInput(`${parameter} ${detail}`, [{ parameter, detail }], 'invalid-parameter');
  }
  return ms;
}

/**
 * A push-time range (`since`, `until`, both inclusive) as instants, for the explorer's "pushed by"
 * condition and the by-source view.
 * @throws ProblemError 400 naming the parameter when it names no storable instant, or `until` when it is before `since`.
 */
export function pushTimeRange(since: string | undefined, until: string | undefined): { sinceMs?: number; untilMs?: number } {
  const sinceMs = since === undefined ? undefined : instantOf('since', since);
  const untilMs = until === undefined ? undefined : instantOf('until', until);
  if (sinceMs !== undefined && untilMs !== undefined && untilMs < sinceMs) {
    const detail = `is before since (${since})`;
    throw invalidInput(`until ${detail}: the time range is empty`, [{ parameter: 'until', detail }], 'invalid-parameter');
  }
  return { ...(sinceMs !== undefined ? { sinceMs } : {}), ...(untilMs !== undefined ? { untilMs } : {}) };
}

/** The filter narrowed to the runs `scope` lets the reader see. */
export function withScope(filter: PushFilter, scope: ReadScope): PushFilter {
  return scope.organizationUrls === undefined ? filter : { ...filter, visibleOrganizationUrls: scope.organizationUrls };
}
