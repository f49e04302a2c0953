/**
 * Read access as one hook: a route that serves the read API says `config: { access: 'read' }`,
 * and this `preHandler` checks the credentials before its handler runs (after the parameters
 * were validated, so a bad parameter is still a 400 before a missing token is a 401). It also
 * records which runs the reader may see (`readScopeOf`).
 */
import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator';
import type { Principal } from '../auth/principal';
import { parseOrganizationBinding } from '../auth/staticTokens';
import { EVERY_RUN, type ReadScope } from '../store/readScope';
import type { AppInstance } from './types';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `read`: only principals that may read (a read token, or anyone with `readOpen`) get through. */
    access?: 'read';
  }
  interface FastifyRequest {
    /** Set by the read hook on `access: 'read'` routes; read it with `readScopeOf`. */
    readScope: ReadScope | null;
  }
}

/**
 * The runs a principal may read. A static token bound to an organisation sees that
 * organisation's runs only (by name: both URLs Azure DevOps Services gives it, as
 * `organizationMatches` accepts them for ingestion); anyone else who may read sees every run.
 */
export function readScopeFor(principal: Principal): ReadScope {
  if (principal.kind !== 'token' || principal.token.organization === undefined) return EVERY_RUN;
  const binding = parseOrganizationBinding(principal.token.organization);
  // The token table refuses unusable bindings at start; should one get here, it sees nothing.
  if ('problem' in binding) return { organizationUrls: [] };
  if (binding.kind === 'url') return { organizationUrls: [binding.url] };
  return { organizationUrls: [`https://dev.azure.com/${binding.name}`, `https://${binding.name}.visualstudio.com`] };
}

/**
 * The read scope of a request on an `access: 'read'` route.
 * @throws Error on a route the read hook did not run for: a route must not answer runs unchecked.
 */
export function readScopeOf(request: FastifyRequest): ReadScope {
  if (request.readScope === null) throw new Error(`${request.routeOptions.url ?? request.url} is not declared access: 'read'`);
  return request.readScope;
}

/** Adds the hook that holds every `access: 'read'` route to `Authenticator.requireRead`. */
export function registerReadAccess(app: AppInstance, auth: Authenticator): void {
  app.decorateRequest('readScope', null);
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.access !== 'read') return;
    const principal = await auth.authenticate(request.headers.authorization);
    auth.requireRead(principal);
    request.readScope = readScopeFor(principal);
  });
}
