/**
 * The registry digest lookup against a real registry that requires a login: Debian's
 * docker-registry (Distribution 2.8) with token authentication, started here on its own port,
 * whose token service is a small server of this test (what a registry's auth service does: a
 * JWT signed by a certificate the registry trusts, `x5c` in its header, after checking the
 * Basic credentials). The image is pushed by the real engine after a `docker login` into a
 * config folder of the test's own, the file the lookup then reads.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { parseImageReference } from '../../common/imageReference';
import { authFilePaths, readAuthFiles, registryDigestLookup } from '../../collector/registryDigest';
import { loopbackCertificate, type LoopbackCertificate } from '../support/certificate';
import { buildScratchImage, docker, removeImages, uniqueRepository } from '../support/docker';
import { requireDocker } from '../support/services';
import { waitFor } from '../support/waitFor';

const USER = 'pipeline';
const PASSWORD = `pw-${randomUUID()}`;
const SERVICE = 'cm-test-registry';
const ISSUER = 'cm-test-token-service';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** The token service: Basic credentials checked, the requested scope granted, a JWT the registry verifies. */
function tokenService(cert: LoopbackCertificate, requests: string[]): Server {
  const key = createPrivateKey(cert.key);
  const x5c = new X509Certificate(cert.certificate).raw.toString('base64');
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const authorization = req.headers.authorization ?? '';
      requests.push(authorization.split(' ')[0] || 'anonymous');
      if (authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"incorrect username or password"}');
        return;
      }
      const access = url.searchParams.getAll('scope').flatMap((scope) => {
        const [type, name, actions] = scope.split(':');
        return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
      });
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [x5c] })
        .setIssuer(ISSUER)
        .setAudience(SERVICE)
        .setSubject(USER)
        .setIssuedAt()
        .setNotBefore('-1m')
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(key);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
    })();
  });
}

describe('The registry digest lookup, against a registry that requires a login', function () {
  let cert: LoopbackCertificate;
  let folder: string;
  let tokens: Server;
  let registry: ChildProcess | undefined;
  let registryHost: string;
  const tokenRequests: string[] = [];
  const images: string[] = [];

  before(async function () {
    await requireDocker();
    cert = loopbackCertificate('cm-test-token-service');
    folder = mkdtempSync(join(tmpdir(), 'cm-auth-registry-'));
    tokens = tokenService(cert, tokenRequests);
    await new Promise<void>((resolve) => tokens.listen(0, '127.0.0.1', resolve));
    const tokenPort = (tokens.address() as AddressInfo).port;
    const port = await freePort();
    registryHost = `127.0.0.1:${port}`;
    writeFileSync(join(folder, 'bundle.pem'), cert.certificate);
    writeFileSync(
      join(folder, 'registry.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(folder, 'storage')}`,
        'http:',
        `  addr: ${registryHost}`,
        'auth:',
        '  token:',
        `    realm: http://127.0.0.1:${tokenPort}/token`,
        `    service: ${SERVICE}`,
        `    issuer: ${ISSUER}`,
        `    rootcertbundle: ${join(folder, 'bundle.pem')}`,
        '',
      ].join('\n'),
    );
    registry = spawn('docker-registry', ['serve', join(folder, 'registry.yml')], { stdio: 'ignore' });
    registry.on('error', () => undefined);
    await waitFor(
      `docker-registry (Debian's docker-registry package) to answer on ${registryHost}`,
      async () => (await status(port, '/v2/')) === 401,
      20_000,
    );
  });

  after(async function () {
    await removeImages(images);
    registry?.kill();
    await new Promise((resolve) => tokens?.close(resolve));
    rmSync(folder, { recursive: true, force: true });
    rmSync(cert.folder, { recursive: true, force: true });
  });

  it("gets the pushed tag's digest through the token flow with the login docker stored, and says why without one", async function () {
    const config = join(folder, 'docker-config');
    await docker(['--config', config, 'login', '--username', USER, '--password', PASSWORD, registryHost]);
    const reference = `${registryHost}/${uniqueRepository('auth')}:1`;
    images.push(reference);
    await buildScratchImage(reference, `auth ${randomUUID()}`);
    await docker(['--config', config, 'push', '--quiet', reference]);
    const repoDigests = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', reference])) as string[];
    const pushed = repoDigests[0]?.split('@')[1];
    assert.ok(pushed, `docker recorded no digest: ${repoDigests.join(', ')}`);

    // What the task reads: $DOCKER_CONFIG/config.json, as docker login wrote it.
    const paths = authFilePaths({ DOCKER_CONFIG: config }, '/nonexistent');
    assert.match(readFileSync(paths[0] ?? '', 'utf8'), new RegExp(registryHost.replace(/\./g, '\\.')));
    tokenRequests.length = 0;
    const withLogin = await registryDigestLookup(() => readAuthFiles(paths), 5000)(parseImageReference(reference));
    assert.deepEqual(withLogin, { ok: true, digest: pushed });
    assert.deepEqual(tokenRequests, ['Basic']);

    const withoutLogin = await registryDigestLookup(() => [], 5000)(parseImageReference(reference));
    assert.equal(withoutLogin.ok, false);
    assert.match(withoutLogin.ok ? '' : withoutLogin.reason, /token service answered 401 \(no stored login for it\)/);
  });
});
