/**
 * The configuration and the `container-mapping` CLI, including `serve` as a child process.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, loadConfig } from '../../service/src/config';
import { main } from '../../service/src/cli/main';
import { flagsToSettings } from '../../service/src/cli/configFlags';
import { hashToken } from '../../service/src/auth/staticTokens';
import { computeIdempotencyKey } from '../../common/idempotency';
import { makeReport } from './support/reports';

const root = join(__dirname, '..', '..');

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

describe('Service configuration', () => {
  it('uses SQLite in ./data on port 8080 when nothing is configured', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, 'sqlite:./data/mappings.db');
    assert.equal(config.bodyLimit, 1024 * 1024);
  });

  it('lets flags override environment variables', () => {
    const config = loadConfig({ env: { CM_PORT: '9000', CM_READ_OPEN: 'yes' }, flags: { port: '9100' } });
    assert.equal(config.port, 9100);
    assert.equal(config.readOpen, true);
  });

  it('cuts slow clients off by default, with timeouts set by environment or flag and never turned off', () => {
    const defaults = loadConfig({ env: {} });
    assert.equal(defaults.requestTimeoutMs, 30_000);
    assert.equal(defaults.connectionTimeoutMs, 60_000);
    const fromEnv = loadConfig({ env: { CM_REQUEST_TIMEOUT_MS: '5000', CM_CONNECTION_TIMEOUT_MS: '7000' } });
    assert.deepEqual([fromEnv.requestTimeoutMs, fromEnv.connectionTimeoutMs], [5000, 7000]);
    const fromFlags = loadConfig({ env: {}, flags: flagsToSettings({ 'request-timeout-ms': '2500', 'connection-timeout-ms': '3500' }) });
    assert.deepEqual([fromFlags.requestTimeoutMs, fromFlags.connectionTimeoutMs], [2500, 3500]);
    assert.throws(() => loadConfig({ env: { CM_REQUEST_TIMEOUT_MS: '0' } }), /requestTimeoutMs must be >= 100/);
    assert.throws(() => loadConfig({ env: { CM_CONNECTION_TIMEOUT_MS: '0' } }), /connectionTimeoutMs must be >= 100/);
  });

  it('names the bad setting when a value is invalid', () => {
    assert.throws(
      () => loadConfig({ env: { CM_PORT: 'eighty' } }),
      (e: unknown) => e instanceof ConfigError && /CM_PORT/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ env: { CM_DATABASE_URL: 'mysql://x' } }),
      /databaseUrl: database URL must start with sqlite: or postgres/,
    );
    assert.throws(
      () => loadConfig({ env: { CM_OIDC_ORGANIZATIONS: '[{"id":"contoso","url":"https://dev.azure.com/contoso"}]' } }),
      /organizations\.0\.id must match pattern/,
    );
  });
});

describe('The container-mapping CLI', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-service.mjs')], { stdio: 'inherit' });
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cm-cli-'));
  });
  afterEach(() => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 and prints the usage for an unknown command', async () => {
    const c = capture();
    assert.equal(await main(['frobnicate'], c.io), 2);
    assert.match(c.err.join('\n'), /unknown command "frobnicate"[\s\S]*query/);
  });

  it('creates a static token whose configured hash matches it', async () => {
    const c = capture();
    assert.equal(await main(['token', 'create', '--name', 'reader', '--scope', 'read'], c.io), 0);
    const token = /cmt_\S+/.exec(c.out[0] ?? '')?.[0] ?? '';
    const entry = JSON.parse((c.out[1] ?? '').replace(/^[^{]*/, '')) as { sha256: string; scopes: string[] };
    assert.equal(entry.sha256, hashToken(token));
    assert.deepEqual(entry.scopes, ['read']);
  });

  it('serves as a child process on --port 0, printing its URL, and answers query commands', async () => {
    const tokens = JSON.stringify([{ name: 'all', sha256: hashToken('cmt_cli'), scopes: ['ingest', 'read'] }]);
    child = spawn(process.execPath, [join(root, 'bin', 'container-mapping.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, CM_DATABASE_URL: `sqlite:${join(dir, 'm.db')}`, CM_TOKENS: tokens, CM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
    assert.ok(url, line);
    const report = makeReport();
    assert.equal(report.idempotencyKey, computeIdempotencyKey(report.pipeline));
    const posted = await fetch(`${url}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: 'Bearer cmt_cli', 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    assert.equal(posted.status, 201);

    const table = capture();
    assert.equal(await main(['query', 'images', '--url', url, '--token', 'cmt_cli', '--repository', 'team/web-api'], table.io), 0);
    assert.match(table.out.join('\n'), /PUSHED AT[\s\S]*127\.0\.0\.1:5000\/team\/web-api:1\.0\.0@sha256:[\s\S]*12 \(20260301\.1\)/);

    const json = capture();
    const digest = report.images[0]!.digest;
    assert.equal(await main(['query', 'image', digest, '--url', url, '--token', 'cmt_cli', '--json'], json.io), 0);
    assert.equal(JSON.parse(json.out.join('\n')).pushes[0].run.id, 12);

    const missing = capture();
    assert.equal(await main(['query', 'image', `sha256:${'0'.repeat(64)}`, '--url', url, '--token', 'cmt_cli'], missing.io), 1);
    assert.match(missing.err.join(''), /no image/);
  });

  it('stops serve with a message naming the bad setting', () => {
    let stderr = '';
    try {
      execFileSync(process.execPath, [join(root, 'bin', 'container-mapping.js'), 'serve', '--port', 'x'], { stdio: 'pipe' });
    } catch (err) {
      stderr = String((err as { stderr: Buffer }).stderr);
      assert.equal((err as { status: number }).status, 1);
    }
    assert.match(stderr, /--port: "x" is not a whole number/);
  });
});
