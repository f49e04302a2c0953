/** `POST /api/v1/reports`: verified, validated, idempotent ingestion. */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { REPORTS_PATH, ReportSchema } from '../../../../common/report';
import { GitHubReportSchema } from '../../../../common/githubReport';
import type { Principal } from '../../auth/principal';
import { ingestReport, requireIngestScope } from '../../ingest';
import { closeAfterAnswer } from '../../http/requestGuards';
import type { AppInstance, RouteDependencies } from '../../http/types';
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

  const schema = {
    summary: 'Send a report (idempotent per job attempt)',
    // Version 1 (Azure DevOps) or version 2 (GitHub Actions), told apart by `provider: "github"`.
    body: Type.Union([sharedRef(ReportSchema), sharedRef(GitHubReportSchema)]),
    response: {
      201: sharedRef(IngestResponseSchema, { description: 'stored' }),
      200: sharedRef(IngestResponseSchema, { description: 'the same job attempt was already stored: `replaced` or `unchanged`' }),
      400: problemResponse('invalid report; `pointer` names the field'),
      401: problemResponse('no or unverifiable credentials'),
      403: problemResponse('credentials may not report for this run'),
      413: problemResponse('body larger than the limit'),
      408: problemResponse('the whole request did not arrive within the request timeout'),
      415: problemResponse('not application/json'),
      503: problemResponse('the database is unreachable; send again after `Retry-After` seconds'),
    },
  };
  app.post(REPORTS_PATH, { schema, validatorCompiler: validatedByIngest, onRequest: authenticateFirst }, async (request, reply) => {
    const principal = principals.get(request) ?? (await deps.auth.authenticate(request.headers.authorization));
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
