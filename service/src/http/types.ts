/** The typed Fastify instance the routes register on, and what they share. */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../auth/authenticator';
import type { ServiceConfig } from '../config';
import type { ServiceMetrics } from '../metrics/registry';
import type { Store } from '../store/store';
import type { RegistryLookup } from '../explorer/registry/lookup';

/** Fastify with TypeBox types for params, query strings and bodies. */
export type AppInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What every route module gets. */
export interface RouteDependencies {
  config: ServiceConfig;
  store: Store;
  auth: Authenticator;
  metrics: ServiceMetrics;
  /** Asks registries about digests no report explains, after a snapshot import; null when none is configured. */
  registryLookup?: RegistryLookup | null;
}
