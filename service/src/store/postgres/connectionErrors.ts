/**
 * Which errors mean "the database is away", not "this request is wrong": the connection was
 * refused or dropped, or the server is shutting down or starting up. Those become
 * StoreUnavailableError (503, try again); everything else stays what it is.
 */
import { StoreUnavailableError } from '../store';

/** Socket errors of Node's `net` while connecting or talking to the server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs (PostgreSQL manual, Appendix A "PostgreSQL Error Codes"): class 08 connection
 * exception; 57P01 admin_shutdown (a fast shutdown or `pg_terminate_backend`), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down); 53300
 * too_many_connections.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * What node-postgres itself says when a connection ends or cannot be used (pg 8 `lib/client.js`
 * and pg-pool `index.js`): "Connection terminated unexpectedly", "Connection terminated due to
 * connection timeout", "timeout exceeded when trying to connect", "Client has encountered a
 * connection error and is not queryable", "Client was closed and is not queryable".
 */
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/** True when `err` says the connection to the database was refused, lost or is unusable. */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'))) return true;
  if (PG_MESSAGES.test(err.message)) return true;
  // Node reports a failed connection to a name with several addresses as an AggregateError.
  return err instanceof AggregateError && err.errors.some(isConnectionFailure);
}

/** `err` as StoreUnavailableError when it is a connection failure; otherwise `err` itself. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isConnectionFailure(err)) return err;
  return new StoreUnavailableError(`the database is not reachable: ${(err as Error).message}`, { cause: err });
}
