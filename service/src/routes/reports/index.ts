/** `POST /api/v1/reports`: verified, validated, idempotent ingestion. */
import { Type } from '@sinclair/typebox';
import { REPORTS_PATH } from '../../../../common/report';
import { ingestReport } from '../../ingest';
import type { AppInstance, RouteDependencies } from '../../plugins/types';

/** The answer to an accepted report. */
export const IngestResponseSchema = Type.Object({
  idempotencyKey: Type.String(),
  /**
   * `created` the first time; `replaced` when it replaced a different earlier send of the same
   * job attempt; `unchanged` when the identical report was already stored.
   */
  status: Type.Union([Type.Literal('created'), Type.Literal('replaced'), Type.Literal('unchanged')]),
  images: Type.Integer(),
  ambiguous: Type.Integer(),
});

export function registerReportRoutes(app: AppInstance, deps: RouteDependencies): void {
  app.post(REPORTS_PATH, async (request, reply) => {
    const principal = await deps.auth.authenticate(request.headers.authorization);
    const outcome = await ingestReport({ store: deps.store, ambiguityWindowMs: deps.config.ambiguityWindowMs }, principal, request.body);
    deps.metrics.reportsIngested.inc({ result: outcome.status });
    deps.metrics.imagesIngested.inc({}, outcome.images);
    return reply.code(outcome.status === 'created' ? 201 : 200).send({
      idempotencyKey: outcome.idempotencyKey,
      status: outcome.status,
      images: outcome.images,
      ambiguous: outcome.ambiguous,
    });
  });
}
