/**
 * When the first look says the Docker engine started (collector/firstLook.ts, `engineStartTime`):
 * from the files beside a unix socket, on the real file system.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineStartTime } from '../../collector/firstLook';

describe("The first look's engine start time", function () {
  let folder: string;
  const socketMs = Date.parse('2026-11-29T08:00:00Z');
  beforeEach(function () {
    folder = mkdtempSync(join(tmpdir(), 'cm-first-look-'));
  });
  afterEach(function () {
    rmSync(folder, { recursive: true, force: true });
  });

  /** Writes `docker.pid` in the folder with the given modification time. */
  function pidFileAt(ms: number): void {
    const path = join(folder, 'docker.pid');
    writeFileSync(path, '4242\n');
    utimesSync(path, ms / 1000, ms / 1000);
  }

  it('is the socket time when no docker.pid is beside the socket', function () {
    assert.equal(engineStartTime(join(folder, 'docker.sock'), socketMs), socketMs);
  });

  it('is the pid file time when dockerd wrote it after the socket was made (systemd holds the socket across restarts)', function () {
    const restartedMs = Date.parse('2026-11-29T10:30:00Z');
    pidFileAt(restartedMs);
    assert.equal(engineStartTime(join(folder, 'docker.sock'), socketMs), restartedMs);
  });

  it('is the socket time when the pid file is older (dockerd re-created its own socket since)', function () {
    pidFileAt(Date.parse('2026-11-28T23:00:00Z'));
    assert.equal(engineStartTime(join(folder, 'docker.sock'), socketMs), socketMs);
  });

  it('reads the pid file of the socket’s own folder only', function () {
    const other = mkdtempSync(join(tmpdir(), 'cm-first-look-other-'));
    try {
      pidFileAt(Date.parse('2026-11-29T10:30:00Z'));
      assert.equal(engineStartTime(join(other, 'docker.sock'), socketMs), socketMs);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
