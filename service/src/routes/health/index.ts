/** `GET /healthz` (the process answers), `GET /readyz` (the database answers), `GET /metrics`. */
import { Type } from '@sinclair/typebox';
import { ProblemError, RETRY_AFTER_SECONDS } from '../../errors';
import type { AppInstance, RouteDependencies } from '../../http/types';
import { problemResponse } from '../../schemas/responses';

const HealthSchema = Type.Object({ status: Type.Literal('ok') }, { description: 'alive' });
const ReadySchema = Type.Object(
  { status: Type.Literal('ready'), database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]) },
  { description: 'ready' },
);
const MetricsResponse = { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } };

export function registerHealthRoutes(app: AppInstance, deps: RouteDependencies): void {
  app.get('/healthz', { schema: { summary: 'Liveness', security: [], response: { 200: HealthSchema } } }, async () => ({
    status: 'ok' as const,
  }));

  const readySchema = {
    summary: 'Readiness: the database answers',
    security: [],
    response: { 200: ReadySchema, 503: problemResponse('database unreachable') },
  };
  app.get('/readyz', { schema: readySchema }, async (request) => {
    try {
      await deps.store.ping();
    } catch (err) {
      request.log.warn({ err }, 'database is not reachable');
      throw new ProblemError(503, 'Not ready', 'the database does not answer', 'not-ready', [], RETRY_AFTER_SECONDS);
    }
    return { status: 'ready' as const, database: deps.store.kind };
  });

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', security: [], response: { 200: MetricsResponse } } },
    async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(deps.metrics.render()),
  );
}
