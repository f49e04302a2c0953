/** `GET /api/v1/images/{digest}` and `GET /api/v1/images`. */
import { Type } from '@sinclair/typebox';
import { normalizeDigest } from '../../../../common/imageReference';
import { parseTimestamp } from '../../../../common/timestamp';
import { invalidInput, notFound } from '../../errors';
import type { AppInstance, RouteDependencies } from '../../plugins/types';
import { ImageListQuerySchema, type ImageListQuery } from '../../schemas/images';
import type { PushFilter } from '../../store/store';

export const ImageParamsSchema = Type.Object({ digest: Type.String({ maxLength: 200 }) });

/** Turns the query string into a store filter. */
export function toPushFilter(query: ImageListQuery): PushFilter {
  const filter: PushFilter = {};
  const keys = ['registry', 'repository', 'tag', 'organization', 'project', 'pipeline', 'sourceRepository', 'commit'] as const;
  for (const key of keys) if (query[key] !== undefined) filter[key] = query[key];
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

export function registerImageRoutes(app: AppInstance, deps: RouteDependencies): void {
  app.get('/api/v1/images/:digest', { schema: { params: ImageParamsSchema } }, async (request) => {
    deps.auth.requireRead(await deps.auth.authenticate(request.headers.authorization));
    const digest = normalizeDigest(request.params.digest);
    if (digest === undefined) {
      throw invalidInput('digest must be sha256: followed by 64 hex digits', [{ parameter: 'digest', detail: 'is not a sha256 digest' }], 'invalid-parameter');
    }
    const image = await deps.store.getImage(digest);
    if (!image) throw notFound(`no image with digest ${digest} has been reported`);
    return image;
  });

  app.get('/api/v1/images', { schema: { querystring: ImageListQuerySchema } }, async (request) => {
    deps.auth.requireRead(await deps.auth.authenticate(request.headers.authorization));
    const { cursor, limit } = request.query;
    return deps.store.listPushes(toPushFilter(request.query), { limit: limit ?? 50, ...(cursor !== undefined ? { cursor } : {}) });
  });
}
