/**
 * Checks every request passes before any route sees it, and before any body is read:
 * credentials in the URL are refused, a request for no route is answered without reading its
 * body, and query and path parameters that the stores could not hold exactly are refused.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidInput, type FieldError } from '../errors';
import { unstorableText } from '../validation';
import { CREDENTIAL_PARAMETER } from './logging';
import type { AppInstance } from './types';
import { toProblemError } from './errorHandler';

/** True when the request announces a body (which Node has not read yet). */
export function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Marks the connection to be closed after the answer, so that a body the client is still
 * sending is never read: refusing early must not cost the service the upload anyway.
 */
export function closeAfterAnswer(request: FastifyRequest, reply: FastifyReply): void {
  if (hasBody(request)) reply.header('connection', 'close');
}

function parameterErrors(values: unknown): FieldError[] {
  if (typeof values !== 'object' || values === null) return [];
  const out: FieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      const problem = typeof text === 'string' ? unstorableText(text) : undefined;
      if (problem) out.push({ parameter: name, detail: problem });
    }
  }
  return out;
}

/** Registers the guards on the root instance (they apply to every route and to 404s). */
export function registerRequestGuards(app: AppInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const credential = Object.keys((request.query ?? {}) as Record<string, unknown>).find((name) => CREDENTIAL_PARAMETER.test(name));
    if (credential !== undefined) {
      closeAfterAnswer(request, reply);
      const detail = 'credentials are accepted only in the Authorization header, never in the URL';
      throw invalidInput(`query parameter "${credential}": ${detail}`, [{ parameter: credential, detail }], 'credentials-in-url');
    }
    if (request.is404) {
      closeAfterAnswer(request, reply);
      throw toProblemError({ statusCode: 404, message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` });
    }
  });

  app.addHook('preValidation', async (request) => {
    const errors = [...parameterErrors(request.params), ...parameterErrors(request.query)];
    const first = errors[0];
    if (first) throw invalidInput(`parameter "${first.parameter ?? ''}" ${first.detail}`, errors, 'invalid-parameter');
  });
}
