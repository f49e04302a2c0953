/** `GET /api/v1/images/{digest}` and `GET /api/v1/images`. */
import { Type } from '@sinclair/typebox';
import { normalizeDigest } from '../../../../common/imageReference';
import { invalidInput, notFound } from '../../errors';
import type { AppInstance, RouteDependencies } from '../../plugins/types';
import { toPushFilter } from '../../query/pushFilter';
import { ImageListQuerySchema } from '../../schemas/images';

export const ImageParamsSchema = Type.Object({ digest: Type.String({ maxLength: 200 }) });

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
