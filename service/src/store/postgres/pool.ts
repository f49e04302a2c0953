/**
 * The connection pool, and the only two ways the store uses it: one query, or one transaction.
 * Both turn "the database is away" (no connection, or the connection lost on the way) into
 * StoreUnavailableError, and close a lost connection instead of handing it to the next caller.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../store';
import { toStoreError } from './connectionErrors';

/** A pool whose connections may drop at any time without taking the process with them. */
export function createPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  // An idle client that loses its connection: the pool listens to its 'error' event, re-emits
  // it here and drops the client. Unheard, the re-emitted event would end the process.
  pool.on('error', () => undefined);
  // A checked-out client has no listener from the pool, and node-postgres emits 'error' on it
  // whenever its connection ends unexpectedly, even when a query also received the error
  // (pg 8 lib/client.js, the connection's 'end' handler): unheard, Node throws it and the
  // process exits. The query in progress, and every later one on that client, fails on its own.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * A pooled connection. Whatever keeps the pool from giving one (refused, timed out, the server
 * starting up, a password that no longer works) is StoreUnavailableError: the service cannot
 * use its database now.
 */
async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw new StoreUnavailableError(`no connection to the database: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs one query outside a transaction. @throws StoreUnavailableError as described above. */
export async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  text: pg.QueryConfig | string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  const client = await connect(pool);
  let failure: unknown;
  try {
    return await client.query<R>(text, values);
  } catch (err) {
    failure = toStoreError(err);
    throw failure;
  } finally {
    client.release(failure instanceof StoreUnavailableError ? failure : undefined);
  }
}

/**
 * Runs `work` in one transaction on one connection.
 * @throws StoreUnavailableError when no connection can be had or it is lost on the way (then the
 * outcome of a COMMIT in flight is unknown); otherwise whatever `work` or COMMIT threw, after
 * a ROLLBACK.
 */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await connect(pool);
  let failure: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failure = toStoreError(err);
    if (!(failure instanceof StoreUnavailableError)) await client.query('ROLLBACK').catch(() => undefined);
    throw failure;
  } finally {
    // A lost connection is closed, not handed to the next caller (PostgreSQL has rolled back
    // whatever was open on it, unless its COMMIT got through).
    client.release(failure instanceof StoreUnavailableError ? failure : undefined);
  }
}
