/**
 * Response declarations shared by the routes. Fastify serialises each answer with the schema
 * declared for its status (and drops fields the schema does not name), and `@fastify/swagger`
 * writes the same declarations into `/openapi.json`.
 */
import { ProblemSchema } from './problem';
import { sharedRef } from './shared';

/** An `application/problem+json` answer (every error the service gives) for the OpenAPI document. */
export function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: sharedRef(ProblemSchema) } } };
}

/** The errors every read route can answer with. */
export const READ_PROBLEMS = {
  400: problemResponse('invalid parameter; `parameter` names it'),
  401: problemResponse('no or bad credentials'),
  403: problemResponse('not allowed to read'),
  503: problemResponse('the database is unreachable; ask again after `Retry-After` seconds'),
} as const;
