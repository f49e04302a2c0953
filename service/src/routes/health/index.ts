/** `GET /healthz` (the process answers), `GET /readyz` (the database answers), `GET /metrics`. */
import { ProblemError, RETRY_AFTER_SECONDS } from '../../errors';
import type { AppInstance, RouteDependencies } from '../../plugins/types';

export function registerHealthRoutes(app: AppInstance, deps: RouteDependencies): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request) => {
    try {
      await deps.store.ping();
    } catch (err) {
      request.log.warn({ err }, 'database is not reachable');
      throw new ProblemError(503, 'Not ready', 'the database does not answer', 'not-ready', [], RETRY_AFTER_SECONDS);
    }
    return { status: 'ready', database: deps.store.kind };
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(deps.metrics.render()),
  );
}
