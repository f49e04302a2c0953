/**
 * Typed errors that carry their HTTP answer. Thrown anywhere below the routes and turned
 * into `application/problem+json` once, by the error handler.
 */
import type { Problem } from './schemas/problem';

/** One failing field: a JSON pointer into the body, or a parameter name. */
export interface FieldError {
  pointer?: string;
  parameter?: string;
  detail: string;
}

/** An error whose HTTP status and problem document are known. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** Why the request was refused, for the `rejected by reason` metric. */
    readonly reason: string,
    readonly fields: FieldError[] = [],
    /** Sent as `Retry-After` (seconds): the same request may succeed after that long. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  /** The RFC 9457 document for this error. */
  toProblem(): Problem {
    const problem: Problem = {
      type: `https://container-mapping.dev/problems/${this.reason}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
    };
    const first = this.fields[0];
    if (first?.pointer !== undefined) problem.pointer = first.pointer;
    if (first?.parameter !== undefined) problem.parameter = first.parameter;
    if (this.fields.length > 0) problem.errors = this.fields;
    return problem;
  }
}

/** 400: the body or a parameter is not what the schema allows. */
export function invalidInput(detail: string, fields: FieldError[], reason = 'invalid-report'): ProblemError {
  return new ProblemError(400, 'Invalid input', detail, reason, fields);
}

/** 401: no credentials, or credentials that do not verify. */
export function unauthenticated(detail: string): ProblemError {
  return new ProblemError(401, 'Unauthenticated', detail, 'unauthenticated');
}

/** 403: verified credentials that may not do this. */
export function forbidden(detail: string, fields: FieldError[] = []): ProblemError {
  return new ProblemError(403, 'Forbidden', detail, 'forbidden', fields);
}

/** 404: nothing stored under that name. */
export function notFound(detail: string): ProblemError {
  return new ProblemError(404, 'Not found', detail, 'not-found');
}

/** How long a client should wait before sending again while the database is away. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * 503 with `Retry-After`: the database cannot be used right now (down, restarting, connection
 * lost). Nothing of the request was stored; the same request may be sent again.
 */
export function databaseUnavailable(
  detail = 'the database is not reachable right now; nothing was stored; send the request again later',
): ProblemError {
  return new ProblemError(503, 'Service unavailable', detail, 'database-unavailable', [], RETRY_AFTER_SECONDS);
}
