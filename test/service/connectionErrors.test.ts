/**
 * Which PostgreSQL errors mean "the database is away" (503, try again) rather than a failure
 * of the request itself. Shapes as node-postgres produces them: a DatabaseError carrying the
 * server's SQLSTATE in `code`, Node socket errors, and pg's own messages.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { isConnectionFailure, toStoreError } from '../../service/src/store/postgres/connectionErrors';
import { StoreUnavailableError } from '../../service/src/store/store';

const serverError = (code: string, message: string): Error => Object.assign(new pg.DatabaseError(message, 0, 'error'), { code });
const socketError = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });

const AWAY: Array<[string, unknown]> = [
  ['a terminated backend (57P01 admin_shutdown)', serverError('57P01', 'terminating connection due to administrator command')],
  ['a crashed server (57P02)', serverError('57P02', 'terminating connection because of crash of another server process')],
  ['a server starting up (57P03)', serverError('57P03', 'the database system is starting up')],
  ['a server out of connections (53300)', serverError('53300', 'sorry, too many clients already')],
  ['a connection exception (class 08)', serverError('08006', 'connection failure')],
  ['a refused connection', socketError('ECONNREFUSED')],
  ['a reset connection', socketError('ECONNRESET')],
  ['an unknown host', socketError('ENOTFOUND')],
  ['a connection that ended', new Error('Connection terminated unexpectedly')],
  ['a connect timeout', new Error('Connection terminated due to connection timeout')],
  ['a pool timeout', new Error('timeout exceeded when trying to connect')],
  ['a client after its connection broke', new Error('Client has encountered a connection error and is not queryable')],
  ['every address refused', new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], 'connect failed')],
];

const NOT_AWAY: Array<[string, unknown]> = [
  ['a unique violation (23505)', serverError('23505', 'duplicate key value violates unique constraint')],
  ['a deadlock (40P01), retried by the store itself', serverError('40P01', 'deadlock detected')],
  ['a value out of range (22003)', serverError('22003', 'value "3000000000" is out of range for type integer')],
  ['a wrong password (28P01), a configuration error', serverError('28P01', 'password authentication failed for user "cm"')],
  ['a programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ['something not an Error', 'ECONNREFUSED'],
];

describe('Which PostgreSQL errors mean the database is away', () => {
  for (const [what, err] of AWAY) {
    it(`counts ${what} as the database being away, and makes it a StoreUnavailableError that keeps the cause`, () => {
      assert.equal(isConnectionFailure(err), true);
      const mapped = toStoreError(err);
      assert.ok(mapped instanceof StoreUnavailableError);
      assert.equal(mapped.cause, err);
    });
  }
  for (const [what, err] of NOT_AWAY) {
    it(`leaves ${what} as it is`, () => {
      assert.equal(isConnectionFailure(err), false);
      assert.equal(toStoreError(err), err);
    });
  }
});
