/** `GET /api/v1/sources/images`: the remediation owner's view — what one repository or pipeline built, where it runs, what was found in it. */
import { invalidInput } from '../../errors';
import { pushTimeRange } from '../../query/pushFilter';
import { readScopeOf } from '../../http/readAccess';
import type { AppInstance, RouteDependencies } from '../../http/types';
import { SourceQuerySchema, sourceImagePageSchema } from '../../schemas/explorerUsage';
import { ImagePushSchema } from '../../schemas/images';
import { READ_PROBLEMS } from '../../schemas/responses';
import { sharedRef } from '../../schemas/shared';
import type { SourceFilter } from '../../store/explorerSource';

/** Registers the by-source route. */
export function registerSourceRoutes(app: AppInstance, deps: RouteDependencies): void {
  const schema = {
    summary: 'The images a source repository or pipeline built, where each runs, and its findings',
    description: 'Give repository, pipeline, or both; project, organization and hub narrow them.',
    querystring: SourceQuerySchema,
    response: {
      200: { description: 'a page of images, most recently pushed first', ...sourceImagePageSchema(sharedRef(ImagePushSchema)) },
      ...READ_PROBLEMS,
    },
  };
  app.get('/api/v1/sources/images', { config: { access: 'read' }, schema }, async (request) => {
    const { repository, pipeline, hub, project, organization, since, until, cursor, limit } = request.query;
    if (repository === undefined && pipeline === undefined) {
      throw invalidInput(
        'name the source: repository (URL, id or name), pipeline (definition id), or both',
        [{ parameter: 'repository', detail: 'is required unless pipeline is given' }],
        'invalid-parameter',
      );
    }
    if (hub !== undefined && pipeline === undefined) {
      throw invalidInput('hub applies to a pipeline id', [{ parameter: 'hub', detail: 'needs pipeline' }], 'invalid-parameter');
    }
    const filter: SourceFilter = {
      ...(repository !== undefined ? { repository } : {}),
      ...(pipeline !== undefined ? { definitionId: pipeline, hub: hub ?? 'build' } : {}),
      ...(project !== undefined ? { project } : {}),
      ...(organization !== undefined ? { organization } : {}),
      ...pushTimeRange(since, until),
    };
    const page = { limit: limit ?? 50, ...(cursor !== undefined ? { cursor } : {}) };
    return deps.store.listBySource(filter, page, readScopeOf(request));
  });
}
