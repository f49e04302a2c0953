/** `GET /api/v1/runs/{runId}`: what one run pushed, newest first. */
import { Type } from '@sinclair/typebox';
import { MAX_AZURE_DEVOPS_ID } from '../../../../common/report';
import type { AppInstance, RouteDependencies } from '../../plugins/types';
import { RunQuerySchema } from '../../schemas/images';
import type { PushFilter } from '../../store/store';

export const RunParamsSchema = Type.Object({ runId: Type.Integer({ minimum: 0, maximum: MAX_AZURE_DEVOPS_ID }) });

export function registerRunRoutes(app: AppInstance, deps: RouteDependencies): void {
  app.get('/api/v1/runs/:runId', { schema: { params: RunParamsSchema, querystring: RunQuerySchema } }, async (request) => {
    deps.auth.requireRead(await deps.auth.authenticate(request.headers.authorization));
    const { organization, project, hub, cursor, limit } = request.query;
    const filter: PushFilter = { runId: request.params.runId, hub: hub ?? 'build' };
    if (organization !== undefined) filter.organization = organization;
    if (project !== undefined) filter.project = project;
    return deps.store.listPushes(filter, { limit: limit ?? 50, ...(cursor !== undefined ? { cursor } : {}) });
  });
}
