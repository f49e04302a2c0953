/**
 * The service's container image, built from the repository's Dockerfile unchanged on the real Docker engine
 * (20.10 here, classic builder, no pull: the base is the stand-in of scripts/stand-in-node-base.sh) and run with
 * `--network host` (the engine here has no bridge) on a free loopback port.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPORTS_PATH } from '../../common/report';
import { hashToken } from '../../service/src/auth/staticTokens';
import { docker } from '../support/docker';
import { POSTGRES_URL, requireDocker, requirePostgres } from '../support/services';
import { waitFor } from '../support/waitFor';
import { digestOf, makeReport, image as pushedImage } from '../service/support/reports';
import { buildServiceImage, ensureBaseImage, freeLoopbackPort, inspect, runOnce, TEST_IMAGE } from './support/image';

const TOKEN = `cmt_deploy-${randomBytes(12).toString('hex')}`;
const suffix = randomBytes(4).toString('hex');
const started: string[] = [];
const volumes: string[] = [];
let configDir = '';

/** Starts the image's `serve` in the background; resolves with its base URL once /healthz answers. */
async function startService(name: string, extraArgs: string[], command: string[] = []): Promise<string> {
  const port = await freeLoopbackPort();
  await docker([
    'run',
    '--detach',
    '--name',
    name,
    '--network',
    'host',
    '--env',
    'CM_HOST=127.0.0.1',
    '--env',
    `CM_PORT=${port}`,
    ...extraArgs,
    TEST_IMAGE,
    ...command,
  ]);
  started.push(name);
  const url = `http://127.0.0.1:${port}`;
  // A bound against hanging, not a timing assertion: this machine may be busy.
  await waitFor(`${name} to answer /healthz`, async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200, 180_000);
  return url;
}

/** Sends one report with the ingest token and reads its digest back; returns the read answer. */
async function ingestAndQuery(url: string, seed: string): Promise<{ status: number; stored: number; body: Record<string, unknown> }> {
  const report = makeReport({ images: [pushedImage({ digest: digestOf(seed), repository: `deploy/${seed}` })] });
  const sent = await fetch(`${url}${REPORTS_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(report),
  });
  const read = await fetch(`${url}/api/v1/images/${digestOf(seed)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { stored: sent.status, status: read.status, body: (await read.json()) as Record<string, unknown> };
}

describe('the service container image (Dockerfile, real engine)', function () {
  this.timeout(10 * 60_000);

  before(async function () {
    this.timeout(60 * 60_000);
    await requireDocker();
    await ensureBaseImage();
    const ms = await buildServiceImage();
    const size = Number((await inspect('image', TEST_IMAGE)).Size);
    console.log(`      image ${TEST_IMAGE}: ${(size / 1e6).toFixed(0)} MB, built in ${(ms / 1000).toFixed(0)} s`);
    configDir = await mkdtemp(join(tmpdir(), 'cm-image-config-'));
    // The tokens come from a mounted config file; host and port from the environment.
    const config = { tokens: [{ name: 'deploy-test', sha256: hashToken(TOKEN), scopes: ['ingest', 'read'] }] };
    await writeFile(join(configDir, 'config.json'), JSON.stringify(config));
    await chmod(configDir, 0o755);
    await chmod(join(configDir, 'config.json'), 0o644);
  });

  after(async function () {
    for (const name of started) await docker(['rm', '--force', '--volumes', name]).catch(() => undefined);
    for (const volume of volumes) await docker(['volume', 'rm', '--force', volume]).catch(() => undefined);
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('runs as the non-root user 1000, with the healthcheck, entrypoint and data volume declared', async function () {
    const config = (await inspect('image', TEST_IMAGE)).Config as Record<string, unknown>;
    assert.equal(config.User, '1000:1000');
    assert.deepEqual(config.Entrypoint, ['node', '/app/bin/container-mapping.js']);
    assert.deepEqual(config.Cmd, ['serve']);
    assert.deepEqual(Object.keys(config.Volumes as object), ['/data']);
    assert.deepEqual((config.Healthcheck as { Test: string[] }).Test, ['CMD', 'node', '/app/deploy/docker/healthcheck.cjs']);
    const uid = await runOnce(['run', '--rm', '--network', 'none', '--entrypoint', 'id', TEST_IMAGE, '-u']);
    assert.equal(uid.stdout.trim(), '1000', uid.stderr);
  });

  it('serves /healthz, ingests a report and answers it, on a read-only root filesystem with one data volume', async function () {
    const volume = `cm-deploy-test-data-${suffix}`;
    volumes.push(volume);
    const name = `cm-deploy-test-sqlite-${suffix}`;
    const url = await startService(name, [
      '--read-only',
      '--volume',
      `${volume}:/data`,
      '--volume',
      `${configDir}:/etc/container-mapping:ro`,
      '--env',
      'CM_CONFIG=/etc/container-mapping/config.json',
    ]);
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready', database: 'sqlite' });
    const answer = await ingestAndQuery(url, `sqlite-${suffix}`);
    assert.equal(answer.stored, 201);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.digest, digestOf(`sqlite-${suffix}`));

    // The process is not root; the root filesystem refuses writes; the database is on the volume.
    const processUid = await runOnce(['exec', name, 'node', '-p', 'process.getuid()']);
    assert.equal(processUid.stdout.trim(), '1000');
    const write = await runOnce(['exec', name, 'node', '-e', "require('fs').writeFileSync('/app/x', 'x')"]);
    assert.notEqual(write.code, 0);
    assert.match(write.stderr, /EROFS|read-only/i);
    const files = await runOnce(['exec', name, 'node', '-p', "require('fs').readdirSync('/data').join(' ')"]);
    assert.match(files.stdout, /mappings\.db/);
    // The image's own healthcheck command, as the engine runs it.
    assert.equal((await runOnce(['exec', name, 'node', '/app/deploy/docker/healthcheck.cjs'])).code, 0);
  });

  it('runs migrate, then serve against PostgreSQL with migrations already applied', async function () {
    await requirePostgres();
    const database = new URL(POSTGRES_URL);
    database.searchParams.set('schema', `deploy_image_${suffix}`);
    const migrate = await runOnce(['run', '--rm', '--network', 'host', '--read-only', TEST_IMAGE, 'migrate', '--database', database.href]);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /applied migrations 001/);
    const url = await startService(
      `cm-deploy-test-postgres-${suffix}`,
      [
        '--read-only',
        '--env',
        `CM_DATABASE_URL=${database.href}`,
        '--env',
        `CM_TOKENS=${JSON.stringify([{ name: 't', sha256: hashToken(TOKEN), scopes: ['ingest', 'read'] }])}`,
      ],
      ['serve', '--no-migrate'],
    );
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready', database: 'postgres' });
    const answer = await ingestAndQuery(url, `postgres-${suffix}`);
    assert.equal(answer.stored, 201);
    assert.equal(answer.body.digest, digestOf(`postgres-${suffix}`));
  });

  it('runs the other commands through the same entrypoint (backfill, sync kubernetes)', async function () {
    // Without their required arguments each answers with its own usage error, which shows the dispatch reached it.
    const sync = await runOnce(['run', '--rm', '--network', 'none', TEST_IMAGE, 'sync', 'kubernetes']);
    assert.notEqual(sync.code, 0);
    assert.match(sync.stderr, /--cluster is required/);
    const backfill = await runOnce(['run', '--rm', '--network', 'none', TEST_IMAGE, 'backfill']);
    assert.notEqual(backfill.code, 0);
    assert.match(backfill.stderr, /--organization/);
  });

  it('holds production dependencies and built files only: no dev dependencies, sources, tests or build CA', async function () {
    const listing = await runOnce([
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'node',
      TEST_IMAGE,
      '-e',
      [
        "const fs = require('fs'), path = require('path');",
        'const out = { app: fs.readdirSync("/app").sort(), modules: fs.readdirSync("/app/node_modules"), sources: [], ca: [] };',
        'const walk = (dir, skip) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {',
        '  const p = path.join(dir, e.name); if (skip.includes(p)) continue;',
        '  if (e.isDirectory()) walk(p, skip); else if (/\\.(ts|tsx)$/.test(e.name)) out.sources.push(p); } };',
        'walk("/app", ["/app/node_modules"]);',
        'for (const p of ["/tmp/build-ca", "/src", "/app/deploy/build-ca"]) if (fs.existsSync(p)) out.ca.push(p);',
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    ]);
    assert.equal(listing.code, 0, listing.stderr);
    const found = JSON.parse(listing.stdout) as { app: string[]; modules: string[]; sources: string[]; ca: string[] };
    assert.deepEqual(found.app, ['bin', 'build', 'deploy', 'node_modules', 'package.json']);
    for (const dev of ['mocha', 'typescript', 'esbuild', 'playwright-core', 'tsx', 'sinon', 'eslint', 'tfx-cli', 'kubernetes-models']) {
      assert.ok(!found.modules.includes(dev), `node_modules holds the dev dependency ${dev}`);
    }
    for (const runtime of ['fastify', 'better-sqlite3', 'pg', 'jose'])
      assert.ok(found.modules.includes(runtime), `node_modules lacks ${runtime}`);
    assert.deepEqual(found.sources, []);
    assert.deepEqual(found.ca, []);
  });
});
