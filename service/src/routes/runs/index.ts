/** `GET /api/v1/runs/{runId}`: what one run pushed, newest first. */
import { Type } from '@sinclair/typebox';
import { MAX_AZURE_DEVOPS_ID } from '../../../../common/report';
import { MAX_GITHUB_RUN_ID } from '../../../../common/githubReport';
import { invalidInput } from '../../errors';
import type { AppInstance, RouteDependencies } from '../../http/types';
import { ImagePushPageSchema, RunQuerySchema } from '../../schemas/images';
import { READ_PROBLEMS } from '../../schemas/responses';
import { sharedRef } from '../../schemas/shared';
import type { PushFilter } from '../../store/store';
import { readScopeOf } from '../../http/readAccess';
import { withScope } from '../../query/pushFilter';

/** Azure DevOps' ids are int32; GitHub's run ids are past 2^31, so the larger ones need `provider=github`. */
export const RunParamsSchema = Type.Object({ runId: Type.Integer({ minimum: 0, maximum: MAX_GITHUB_RUN_ID }) });

export function registerRunRoutes(app: AppInstance, deps: RouteDependencies): void {
  const schema = {
    summary: 'What one run pushed, newest first',
    params: RunParamsSchema,
    querystring: RunQuerySchema,
    response: { 200: sharedRef(ImagePushPageSchema, { description: 'a page' }), ...READ_PROBLEMS },
  };
  app.get('/api/v1/runs/:runId', { config: { access: 'read' }, schema }, async (request) => {
    const { organization, project, hub, provider, cursor, limit } = request.query;
    if (provider !== 'github' && request.params.runId > MAX_AZURE_DEVOPS_ID) {
      const detail = `must be <= ${MAX_AZURE_DEVOPS_ID} (an Azure DevOps id); a GitHub run id needs provider=github`;
      throw invalidInput(`runId ${detail}`, [{ parameter: 'runId', detail }], 'invalid-parameter');
    }
    const filter: PushFilter = { runId: request.params.runId, hub: hub ?? 'build' };
    if (provider !== undefined) filter.provider = provider;
    if (organization !== undefined) filter.organization = organization;
    if (project !== undefined) filter.project = project;
    return deps.store.listPushes(withScope(filter, readScopeOf(request)), {
      limit: limit ?? 50,
      ...(cursor !== undefined ? { cursor } : {}),
    });
  });
}
