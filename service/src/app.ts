/**
 * Builds the service: Fastify, the store, authentication, routes, metrics and the one error
 * handler. Tests and the end-to-end suite boot it in-process with `buildApp`.
 */
import Fastify, { LogController, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Authenticator } from './auth/authenticator';
import { DEFAULT_CONFIG, type ServiceConfig } from './config';
import { ServiceMetrics } from './metrics/registry';
import { clientErrorHandler } from './http/clientErrors';
import { errorHandler, toProblemError } from './http/errorHandler';
import { loggerOptions } from './http/logging';
import { registerRequestGuards } from './http/requestGuards';
import { registerReadAccess } from './http/readAccess';
import type { AppInstance, RouteDependencies } from './http/types';
import { registerExplorerRoutes } from './routes/explorer/index';
import { registerHealthRoutes } from './routes/health/index';
import { registerImageRoutes } from './routes/images/index';
import { registerInventoryRoutes } from './routes/inventory/index';
import { registerOpenApi, registerOpenApiRoute } from './routes/openapi/index';
import { registerRemediationRoutes } from './routes/remediations/index';
import { registerReportRoutes } from './routes/reports/index';
import { registerRunRoutes } from './routes/runs/index';
import { registerWebRoutes } from './routes/web/index';
import { openStore } from './store/openStore';
import type { Store } from './store/store';
import { RegistryLookup } from './explorer/registry/lookup';

/** The service's version, reported in the OpenAPI document. */
export const SERVICE_VERSION = '0.1.0';

/** How to build the app. */
export interface BuildAppOptions {
  /** Settings over the defaults (already validated when they come from `loadConfig`). */
  config?: Partial<ServiceConfig>;
  /** A store to use instead of opening `config.databaseUrl`; the caller keeps ownership. */
  store?: Store;
  /** Fastify's logger option; default: `loggerOptions` (pino at `config.logLevel`, no credentials). */
  logger?: FastifyServerOptions['logger'];
  /** Where the default logger writes (default stdout); ignored when `logger` is given. */
  logStream?: NodeJS.WritableStream;
  /** Where registry passwords (`passwordEnv`) are read from; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The built app, with what tests may look at. */
export type MappingApp = AppInstance & {
  store: Store;
  metrics: ServiceMetrics;
  serviceConfig: ServiceConfig;
  /** The background registry lookups, or null when no registry is configured (the default). */
  registryLookup: RegistryLookup | null;
};

/** Builds (but does not start) the service. Closing the app closes the store it opened. */
export async function buildApp(options: BuildAppOptions = {}): Promise<MappingApp> {
  const config: ServiceConfig = { ...DEFAULT_CONFIG, ...options.config };
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore(config.databaseUrl));
  if (ownsStore && config.migrateOnStart) await store.migrate();

  const app = Fastify({
    bodyLimit: config.bodyLimit,
    logger: options.logger ?? loggerOptions(config.logLevel, options.logStream),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // One line per request only at debug: at info, logs stay about the service, not its traffic.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    forceCloseConnections: true,
    // Fastify's defaults (0) let a client hold a connection forever. Node checks the request
    // timeout every `connectionsCheckingInterval` (30 s by default): check often enough that
    // the timeout is kept to within a second.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(config.requestTimeoutMs, 60_000),
      connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs),
    },
    clientErrorHandler,
    // Errors Fastify's router raises before any route (a path parameter over 100 characters:
    // 414; a URL that does not decode: 400) take the same problem+json form as the rest.
    frameworkErrors: (err, _request, reply) => {
      const problem = toProblemError(err);
      // The generic reply type of this option cannot be narrowed from here; it is a plain reply.
      void (reply as unknown as FastifyReply).code(problem.status).type('application/problem+json').send(problem.toProblem());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON is a report: without this, a text/plain body would be read as a string and
  // refused with 400 instead of 415 (README: "415" for any body that is not JSON).
  app.removeContentTypeParser('text/plain');

  const metrics = new ServiceMetrics();
  const registryLookup =
    config.registries.length === 0 ? null : new RegistryLookup(store, config.registries, app.log, options.env ? { env: options.env } : {});
  const deps: RouteDependencies = { config, store, auth: new Authenticator(config), metrics, registryLookup };
  app.decorate('store', store);
  app.decorate('registryLookup', registryLookup);
  app.decorate('metrics', metrics);
  app.decorate('serviceConfig', config);

  app.setErrorHandler(errorHandler(metrics));
  registerRequestGuards(app);
  app.setNotFoundHandler((request, reply) => {
    const problem = toProblemError({ statusCode: 404, message: `no route ${request.method} ${request.url.split('?')[0]}` });
    return reply.code(404).type('application/problem+json').send(problem.toProblem());
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // Lookups still running write to the store: they finish (each request has a timeout) before it closes.
  if (registryLookup) app.addHook('onClose', async () => registryLookup.idle());
  if (ownsStore) app.addHook('onClose', async () => store.close());
  registerReadAccess(app, deps.auth);
  await registerOpenApi(app, SERVICE_VERSION);

  registerReportRoutes(app, deps);
  registerImageRoutes(app, deps);
  registerRunRoutes(app, deps);
  await registerInventoryRoutes(app, deps);
  registerExplorerRoutes(app, deps);
  registerRemediationRoutes(app, deps);
  registerHealthRoutes(app, deps);
  registerWebRoutes(app);
  registerOpenApiRoute(app);
  return app as unknown as MappingApp;
}
