/**
 * The list query's parameters as a store filter: one pure mapping, shared by the
 * `GET /api/v1/images` route and `container-mapping query images --database`.
 */
import type { ImageListQuery } from '../schemas/images';
import type { PushFilter } from '../store/store';

/** Turns the query string into a store filter. */
export function toPushFilter(query: ImageListQuery): PushFilter {
  const filter: PushFilter = {};
  const keys = ['registry', 'repository', 'tag', 'organization', 'project', 'pipeline', 'sourceRepository', 'commit'] as const;
  for (const key of keys) if (query[key] !== undefined) filter[key] = query[key];
  if (query.since !== undefined) filter.sinceMs = Date.parse(query.since);
  if (query.until !== undefined) filter.untilMs = Date.parse(query.until);
  return filter;
}
