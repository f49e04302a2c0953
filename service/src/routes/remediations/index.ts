/**
 * `POST /api/v1/remediations`: ask the owning team to fix an internet-exposed, vulnerable image, by
 * filing a work item in Azure Boards (or answering the open one that exists). Only static tokens with
 * the `remediate` scope may: filing writes to another system with the service's own PAT.
 */
import type { Principal } from '../../auth/principal';
import { forbidden, unauthenticated } from '../../errors';
import type { Severity } from '../../explorer/vulnerabilities/severity';
import type { AppInstance, RouteDependencies } from '../../http/types';
import type { WorkItemBoard } from '../../remediation/boards';
import { openAzureBoard } from '../../remediation/boards';
import { filingsInProgress, remediate } from '../../remediation/remediate';
import { RemediationRequestSchema, RemediationResultSchema } from '../../schemas/remediation';
import { problemResponse } from '../../schemas/responses';

/** Refuses every principal but a `remediate` token (read-open does not open this route). */
export function requireRemediateScope(principal: Principal): void {
  if (principal.kind === 'token' && principal.token.scopes.includes('remediate')) return;
  if (principal.kind === 'anonymous') throw unauthenticated('filing work items needs a token with the remediate scope');
  throw forbidden('these credentials may not file work items: it needs a static token with the remediate scope');
}

/** How the route reaches Azure Boards; tests may replace it. */
export type BoardOpener = (organizationUrl: string, pat: string, apiUrl: string) => Promise<WorkItemBoard>;

/** Registers the route. */
export function registerRemediationRoutes(app: AppInstance, deps: RouteDependencies, openBoard: BoardOpener = openAzureBoard): void {
  // This instance's filings in progress; other instances sharing the database are kept apart by its claims.
  const inProgress = filingsInProgress();
  const schema = {
    summary:
      'File a work item for the team that built an internet-exposed, vulnerable image (one open work item per source repository and digest)',
    body: RemediationRequestSchema,
    response: {
      200: { ...RemediationResultSchema, description: 'every work item already existed and is open (or a dry run: nothing was created)' },
      201: { ...RemediationResultSchema, description: 'at least one work item was created' },
      400: problemResponse('invalid body; `parameter` names the field'),
      401: problemResponse('no or bad credentials'),
      403: problemResponse('credentials without the remediate scope'),
      404: problemResponse('the digest runs in no internet-exposed workload with a finding at or above `minSeverity`'),
      422: problemResponse('the image is unmapped (no owner: nothing to file), or its organisation is not in the `remediation` setting'),
      502: problemResponse(
        'Azure DevOps refused the configured PAT (`azure-devops-refused`: fix `remediation[i].pat`) or failed; nothing was filed',
      ),
      503: problemResponse(
        'the database is unreachable, or another request has been filing the same work item for 60 s (`remediation-busy`); ask again after `Retry-After` seconds',
      ),
    },
  };
  app.post('/api/v1/remediations', { schema }, async (request, reply) => {
    requireRemediateScope(await deps.auth.authenticate(request.headers.authorization));
    const body = request.body;
    const result = await remediate(
      { store: deps.store, organizations: deps.config.remediation, openBoard, inProgress },
      {
        digest: body.digest,
        // The schema admits only the four severities a minimum may be.
        minSeverity: body.minSeverity as Severity,
        ...(body.cluster !== undefined ? { cluster: body.cluster } : {}),
        ...(body.namespace !== undefined ? { namespace: body.namespace } : {}),
        ...(body.fixable === true ? { fixableOnly: true } : {}),
        ...(body.dryRun === true ? { dryRun: true } : {}),
      },
    );
    return reply.code(result.workItems.some((w) => w.status === 'created') ? 201 : 200).send(result);
  });
}
