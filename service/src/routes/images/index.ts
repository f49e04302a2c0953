/** `GET /api/v1/images/{digest}` and `GET /api/v1/images`. */
import { Type } from '@sinclair/typebox';
import { normalizeDigest } from '../../../../common/imageReference';
import { invalidInput, notFound } from '../../errors';
import type { AppInstance, RouteDependencies } from '../../http/types';
import { toPushFilter, withScope } from '../../query/pushFilter';
import { readScopeOf } from '../../http/readAccess';
import { readImageDetail } from '../../query/imageDetail';
import { ImageDetailAnswerSchema } from '../../schemas/explorerUsage';
import { ImageListQuerySchema, ImagePushPageSchema } from '../../schemas/images';
import { problemResponse, READ_PROBLEMS } from '../../schemas/responses';
import { sharedRef } from '../../schemas/shared';

export const ImageParamsSchema = Type.Object({ digest: Type.String({ maxLength: 200 }) });

export function registerImageRoutes(app: AppInstance, deps: RouteDependencies): void {
  const imageSchema = {
    summary: 'Every push of one image, every run that pushed it, where it runs and what scanners found in it',
    params: ImageParamsSchema,
    response: {
      200: sharedRef(ImageDetailAnswerSchema, { description: 'the image' }),
      ...READ_PROBLEMS,
      404: problemResponse('never reported (by a run this reader may see), running nowhere, never scanned'),
    },
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
    const image = await readImageDetail(deps.store, digest, readScopeOf(request));
    if (!image) throw notFound(`no image with digest ${digest} is known: never reported, running nowhere, never scanned`);
    return image;
  });

  const listSchema = {
    summary: 'Pushes matching the filters, newest first',
    querystring: ImageListQuerySchema,
    response: { 200: sharedRef(ImagePushPageSchema, { description: 'a page' }), ...READ_PROBLEMS },
  };
  app.get('/api/v1/images', { config: { access: 'read' }, schema: listSchema }, async (request) => {
    const { cursor, limit } = request.query;
    const filter = withScope(toPushFilter(request.query), readScopeOf(request));
    return deps.store.listPushes(filter, { limit: limit ?? 50, ...(cursor !== undefined ? { cursor } : {}) });
  });
}
