/** `GET /api/v1/exposed`, `GET /api/v1/coverage` and (in `source.ts`) `GET /api/v1/sources/images`: the explorer's questions (issue 10). */
import { readScopeOf } from '../../http/readAccess';
import type { AppInstance, RouteDependencies } from '../../http/types';
import type { Severity } from '../../explorer/vulnerabilities/severity';
import { CoverageQuerySchema, CoverageSchema, ExposedQuerySchema, exposedPageSchema } from '../../schemas/explorer';
import { ImagePushSchema } from '../../schemas/images';
import { READ_PROBLEMS } from '../../schemas/responses';
import { sharedRef } from '../../schemas/shared';
import type { ExposedFilter } from '../../store/explorer';
import { registerSourceRoutes } from './source';

/** Registers the explorer's read routes. */
export function registerExplorerRoutes(app: AppInstance, deps: RouteDependencies): void {
  const exposedSchema = {
    summary: 'Internet-exposed workloads running a vulnerable image, with the runs that built it',
    querystring: ExposedQuerySchema,
    response: { 200: { description: 'a page of rows', ...exposedPageSchema(sharedRef(ImagePushSchema)) }, ...READ_PROBLEMS },
  };
  app.get('/api/v1/exposed', { config: { access: 'read' }, schema: exposedSchema }, async (request) => {
    const { minSeverity, cluster, namespace, fixable, cursor, limit } = request.query;
    const filter: ExposedFilter = {
      // The schema admits only the four severities a minimum may be.
      minSeverity: minSeverity as Severity,
      ...(cluster !== undefined ? { cluster } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(fixable === true ? { fixableOnly: true } : {}),
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
