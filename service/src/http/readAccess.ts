/**
 * Read access as one hook: a route that serves the read API says `config: { access: 'read' }`,
 * and this `preHandler` checks the credentials before its handler runs (after the parameters
 * were validated, so a bad parameter is still a 400 before a missing token is a 401).
 */
import type { Authenticator } from '../auth/authenticator';
import type { AppInstance } from './types';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `read`: only principals that may read (a read token, or anyone with `readOpen`) get through. */
    access?: 'read';
  }
}

/** Adds the hook that holds every `access: 'read'` route to `Authenticator.requireRead`. */
export function registerReadAccess(app: AppInstance, auth: Authenticator): void {
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.access !== 'read') return;
    auth.requireRead(await auth.authenticate(request.headers.authorization));
  });
}
