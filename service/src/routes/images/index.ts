/** `GET /api/v1/images/{digest}` and `GET /api/v1/images`. */
import { Type } from '@sinclair/typebox';
import { normalizeDigest } from '../../../../common/imageReference';
import { invalidInput, notFound } from '../../errors';
import type { AppInstance, RouteDependencies } from '../../http/types';
import { toPushFilter } from '../../query/pushFilter';
import { ImageDetailSchema, ImageListQuerySchema, ImagePushPageSchema } from '../../schemas/images';
import { problemResponse, READ_PROBLEMS } from '../../schemas/responses';
import { sharedRef } from '../../schemas/shared';

export const ImageParamsSchema = Type.Object({ digest: Type.String({ maxLength: 200 }) });

export function registerImageRoutes(app: AppInstance, deps: RouteDependencies): void {
  const imageSchema = {
    summary: 'Every push of one image, and every run that pushed it',
    params: ImageParamsSchema,
    response: { 200: sharedRef(ImageDetailSchema, { description: 'the image' }), ...READ_PROBLEMS, 404: problemResponse('never reported') },
  };
  app.get('/api/v1/images/:digest', { config: { access: 'read' }, schema: imageSchema }, async (request) => {
    const digest = normalizeDigest(request.params.digest);
    if (digest === undefined) {
      throw invalidInput(
        'digest must be sha256: followed by 64 hex digits',
        [{ parameter: 'digest', detail: 'is not a sha256 digest' }],
        'invalid-parameter',
      );
    }
    const image = await deps.store.getImage(digest);
    if (!image) throw notFound(`no image with digest ${digest} has been reported`);
    return image;
  });

  const listSchema = {
    summary: 'Pushes matching the filters, newest first',
    querystring: ImageListQuerySchema,
    response: { 200: sharedRef(ImagePushPageSchema, { description: 'a page' }), ...READ_PROBLEMS },
  };
  app.get('/api/v1/images', { config: { access: 'read' }, schema: listSchema }, async (request) => {
    const { cursor, limit } = request.query;
    return deps.store.listPushes(toPushFilter(request.query), { limit: limit ?? 50, ...(cursor !== undefined ? { cursor } : {}) });
  });
}
