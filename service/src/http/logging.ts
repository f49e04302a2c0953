/**
 * The service's logger settings: pino at the configured level, with no credential in any line.
 * `Authorization` and cookies are redacted, and so is the value of every query parameter named
 * like a credential (`?access_token=…`), which the request line at debug level would otherwise
 * print as part of the URL. Such requests are refused anyway (see `requestGuards.ts`).
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Query parameter names that look like credentials: never logged, always refused. */
export const CREDENTIAL_PARAMETER =
  /token|secret|passw(?:or)?d|^pwd$|api[-_]?key|^key$|auth|bearer|jwt|^sig$|signature|credential|^pat$|session/i;

/** The URL with the value of each credential-like query parameter replaced by `[REDACTED]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A name that does not decode is checked as it is.
      }
      return CREDENTIAL_PARAMETER.test(name) ? `${rawName}=[REDACTED]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

/** What a log line says about a request: no headers, and the URL redacted. */
function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Fastify's `logger` option for the service; `stream` defaults to stdout (pino's default). */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: { req: serializeRequest },
    ...(stream ? { stream } : {}),
  } as NonNullable<FastifyServerOptions['logger']>;
}
