/**
 * The one error handler: every error becomes `application/problem+json`. Client errors say
 * what is wrong; server errors say nothing beyond "internal error" and are logged instead.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { REPORTS_PATH } from '../../../common/report';
import { ProblemError, databaseUnavailable, invalidInput, type FieldError } from '../errors';
import type { ServiceMetrics } from '../metrics/registry';
import { InvalidCursorError, StaleSnapshotError, StoreUnavailableError } from '../store/store';

const CODE_REASONS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-content-length',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
  FST_ERR_BAD_URL: 'bad-url',
};

const TITLES: Record<number, string> = {
  404: 'Not found',
  408: 'Request timeout',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
};

/** Maps any thrown value to a ProblemError. */
export function toProblemError(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof StoreUnavailableError) return databaseUnavailable();
  if (err instanceof StaleSnapshotError)
    return new ProblemError(409, 'Conflict', err.message, 'stale-snapshot', [{ parameter: 'takenAt', detail: err.message }]);
  if (err instanceof InvalidCursorError)
    return invalidInput(err.message, [{ parameter: 'cursor', detail: err.message }], 'invalid-parameter');
  const e = err as Partial<FastifyError> & {
    validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }>;
  };
  if (Array.isArray(e.validation)) {
    const fields: FieldError[] = e.validation.map((v) => {
      const extra = typeof v.params?.additionalProperty === 'string' ? v.params.additionalProperty : undefined;
      const name = extra ?? (v.instancePath.replace(/^\//, '') || String(v.params?.missingProperty ?? ''));
      return { parameter: name, detail: extra ? 'is not a known parameter' : (v.message ?? 'is invalid') };
    });
    const first = fields[0];
    return invalidInput(
      `${e.validationContext ?? 'request'} parameter "${first?.parameter ?? ''}" ${first?.detail ?? 'is invalid'}`,
      fields,
      'invalid-parameter',
    );
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const reason = (e.code && CODE_REASONS[e.code]) ?? (e instanceof SyntaxError ? 'malformed-json' : 'bad-request');
    const detail = reason === 'body-too-large' ? `the request body is larger than the limit (${e.message})` : (e.message ?? 'bad request');
    const fields: FieldError[] = reason === 'malformed-json' ? [{ pointer: '', detail: 'is not valid JSON' }] : [];
    const title = TITLES[status] ?? 'Bad request';
    return new ProblemError(status, title, reason === 'malformed-json' ? `the body is not valid JSON: ${detail}` : detail, reason, fields);
  }
  return new ProblemError(500, 'Internal error', 'the service could not complete the request', 'internal');
}

/** Builds the handler; it counts refused reports by reason. */
export function errorHandler(metrics: ServiceMetrics) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const problem = toProblemError(err);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    if (request.method === 'POST' && request.url.split('?')[0] === REPORTS_PATH) {
      metrics.reportsRejected.inc({ reason: problem.reason });
    }
    if (problem.retryAfterSeconds !== undefined) reply.header('retry-after', String(problem.retryAfterSeconds));
    return reply.code(problem.status).type('application/problem+json').send(problem.toProblem());
  };
}
