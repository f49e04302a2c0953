/** `POST /api/v1/reports`: verified, validated, idempotent ingestion. */
import { Type } from '@sinclair/typebox';
import { REPORTS_PATH } from '../../../../common/report';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal';
import { ingestReport, requireIngestScope } from '../../ingest';
import { closeAfterAnswer } from '../../plugins/requestGuards';
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
  /** Who sent each request, decided from its headers before its body is read. */
  const principals = new WeakMap<FastifyRequest, Principal>();

  // onRequest runs before Fastify reads the body: a client that may not send reports is
  // refused while it is still uploading, and the service never buffers its body.
  const authenticateFirst = async (request: FastifyRequest, reply: Parameters<typeof closeAfterAnswer>[1]) => {
    try {
      const principal = await deps.auth.authenticate(request.headers.authorization);
      requireIngestScope(principal);
      principals.set(request, principal);
    } catch (err) {
      closeAfterAnswer(request, reply);
      throw err;
    }
  };

  app.post(REPORTS_PATH, { onRequest: authenticateFirst }, async (request, reply) => {
    const principal = principals.get(request) ?? (await deps.auth.authenticate(request.headers.authorization));
    const outcome = await ingestReport({ store: deps.store, ambiguityWindowMs: deps.config.ambiguityWindowMs }, principal, request.body);
    const status = outcome.created ? 'created' : outcome.unchanged ? 'unchanged' : 'replaced';
    deps.metrics.reportsIngested.inc({ result: status });
    deps.metrics.imagesIngested.inc({}, outcome.images);
    return reply.code(outcome.created ? 201 : 200).send({
      idempotencyKey: outcome.idempotencyKey,
      status,
      images: outcome.images,
      ambiguous: outcome.ambiguous,
    });
  });
}
