/**
 * SQLite when another connection holds the write lock for longer than `busy_timeout` (a second
 * process on the file, an administrator's open transaction): the report is refused with 503
 * problem+json and `Retry-After`, nothing of it is stored, and the same report is accepted once
 * the lock is gone.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { SqliteStore } from '../../service/src/store/sqlite/sqliteStore';
import { startTestService, type TestService } from './support/app';
import { makeReport } from './support/reports';
import { SQLITE } from './support/stores';

describe('SQLite when another connection holds the write lock', () => {
  let svc: TestService;
  let other: Database.Database | undefined;

  beforeEach(async () => {
    svc = await startTestService(SQLITE);
    // Wait 50 ms for the lock instead of the store's 5 s: the outcome is the same, sooner.
    (svc.app.store as SqliteStore).connection.pragma('busy_timeout = 50');
  });
  afterEach(async () => {
    other?.close();
    other = undefined;
    await svc.close();
  });

  it('answers 503 with Retry-After, stores nothing, and takes the same report once the lock is released', async () => {
    other = new Database(svc.db.url.slice('sqlite:'.length));
    other.exec('BEGIN IMMEDIATE');
    const report = makeReport();
    const refused = await svc.send(report);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(refused.headers['retry-after'], '2');
    assert.equal(refused.json().status, 503);
    other.exec('ROLLBACK');

    assert.deepEqual(await svc.app.store.counts(), { reports: 0, pushes: 0 });
    const accepted = await svc.send(report);
    assert.equal(accepted.statusCode, 201, accepted.body);
    assert.deepEqual(await svc.app.store.counts(), { reports: 1, pushes: 1 });
  });
});
