/**
 * The engine rig's guard (test/support/engines.ts): a missing engine fails the test that needs it
 * with the reason `scripts/services.sh` recorded, under CI and outside it; never a skip.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireEngine, type TestEngine } from '../support/engines';

describe('The engine rig', function () {
  let dir: string;
  let engine: TestEngine;
  const ci = process.env.CI;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'cm-rig-'));
    engine = {
      label: 'a test engine',
      socket: join(dir, 'docker.sock'),
      cli: 'docker',
      store: 'containerd',
      problemFile: join(dir, 'problem'),
    };
    writeFileSync(engine.problemFile ?? '', "Debian unstable's docker.io could not be downloaded (see apt.log)\n");
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('fails a test under CI with the reason services.sh recorded', async function () {
    process.env.CI = 'true';
    await assert.rejects(
      requireEngine(engine),
      /this test needs a test engine on .*docker\.sock: Debian unstable's docker\.io could not be downloaded \(see apt\.log\)$/,
    );
  });

  it('fails it outside CI saying what to run, and what services.sh said last time', async function () {
    delete process.env.CI;
    await assert.rejects(
      requireEngine(engine),
      /run scripts\/services\.sh start \(as root\); last time it said: Debian unstable's docker\.io could not be downloaded/,
    );
  });
});
