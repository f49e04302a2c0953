/** `GET /api/v1/exposed` (with its "pushed by" conditions), `GET /api/v1/coverage` and (in `source.ts`) `GET /api/v1/sources/images`: the explorer's questions (issue 10). */
import { readScopeOf } from '../../http/readAccess';
import type { AppInstance, RouteDependencies } from '../../http/types';
import type { Severity } from '../../explorer/vulnerabilities/severity';
import { CoverageQuerySchema, CoverageSchema, ExposedQuerySchema, exposedPageSchema } from '../../schemas/explorer';
import { ImagePushSchema } from '../../schemas/images';
import { READ_PROBLEMS } from '../../schemas/responses';
import { sharedRef } from '../../schemas/shared';
import type { ExposedFilter } from '../../store/explorer';
import type { SourceFilter } from '../../store/explorerSource';
import { pushTimeRange } from '../../query/pushFilter';
import { registerSourceRoutes } from './source';

/** Registers the explorer's read routes. */
export function registerExplorerRoutes(app: AppInstance, deps: RouteDependencies): void {
  const exposedSchema = {
    summary: 'Internet-exposed workloads running a vulnerable image, with the runs that built it',
    querystring: ExposedQuerySchema,
    response: { 200: { description: 'a page of rows', ...exposedPageSchema(sharedRef(ImagePushSchema)) }, ...READ_PROBLEMS },
  };
  app.get('/api/v1/exposed', { config: { access: 'read' }, schema: exposedSchema }, async (request) => {
    const { minSeverity, cluster, namespace, fixable, repository, organization, project, since, until, cursor, limit } = request.query;
    const pushedBy: SourceFilter = {
      ...(repository !== undefined ? { repository } : {}),
      ...(organization !== undefined ? { organization } : {}),
      ...(project !== undefined ? { project } : {}),
      ...pushTimeRange(since, until),
    };
    const filter: ExposedFilter = {
      // The schema admits only the four severities a minimum may be.
      minSeverity: minSeverity as Severity,
      ...(cluster !== undefined ? { cluster } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(fixable === true ? { fixableOnly: true } : {}),
      ...(Object.keys(pushedBy).length > 0 ? { pushedBy } : {}),
    };
    return deps.store.listExposed(filter, { limit: limit ?? 50, ...(cursor !== undefined ? { cursor } : {}) }, readScopeOf(request));
  });

  const coverageSchema = {
    summary: 'Running images per cluster and namespace, mapped to a run or not',
    querystring: CoverageQuerySchema,
    response: { 200: { description: 'one row per cluster and namespace', ...CoverageSchema }, ...READ_PROBLEMS },
  };
  app.get('/api/v1/coverage', { config: { access: 'read' }, schema: coverageSchema }, async (request) => {
    const { cluster, unmapped } = request.query;
    return deps.store.coverage(
      { ...(cluster !== undefined ? { cluster } : {}), ...(unmapped === true ? { unmapped } : {}) },
      readScopeOf(request),
    );
  });

  registerSourceRoutes(app, deps);
}
