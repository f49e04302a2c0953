/** `POST /api/v1/reports`: verified, validated, idempotent ingestion. */
import type { FastifySchemaCompiler } from 'fastify';
import { REPORTS_PATH, ReportSchema } from '../../../../common/report';
import { ingestReport } from '../../ingest';
import type { AppInstance, RouteDependencies } from '../../plugins/types';
import { IngestResponseSchema } from '../../schemas/reports';
import { problemResponse } from '../../schemas/responses';
import { sharedRef } from '../../schemas/shared';

/**
 * The body schema documents the route; the report is validated by `ingestReport`, which backfill
 * uses too and which names the failing field (`pointer`), checks image references and recomputes
 * the idempotency key. So Fastify's own validation of the body is turned off for this route.
 */
const validatedByIngest: FastifySchemaCompiler<unknown> = () => () => true;

export function registerReportRoutes(app: AppInstance, deps: RouteDependencies): void {
  const schema = {
    summary: 'Send a report (idempotent per job attempt)',
    body: sharedRef(ReportSchema),
    response: {
      201: sharedRef(IngestResponseSchema, { description: 'stored' }),
      200: sharedRef(IngestResponseSchema, { description: 'the same job attempt was already stored: `replaced` or `unchanged`' }),
      400: problemResponse('invalid report; `pointer` names the field'),
      401: problemResponse('no or unverifiable credentials'),
      403: problemResponse('credentials may not report for this run'),
      413: problemResponse('body larger than the limit'),
      415: problemResponse('not application/json'),
    },
  };
  app.post(REPORTS_PATH, { schema, validatorCompiler: validatedByIngest }, async (request, reply) => {
    const principal = await deps.auth.authenticate(request.headers.authorization);
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
