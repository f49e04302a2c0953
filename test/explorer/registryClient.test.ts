/**
 * The registry client's authentication and safety rules. The local registries of the test machine run
 * without authentication, so the token flow is played by a loopback server that answers as the distribution
 * spec's "Token Authentication Specification" says (401 with `WWW-Authenticate: Bearer realm=…,service=…`,
 * a token endpoint taking `service` and `scope` and Basic credentials, `{"token": …}`); the real unauthenticated
 * registry is exercised in `registryIndex.integration.test.ts`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient, RegistryError } from '../../service/src/explorer/registry/registryClient';

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] }));
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
const PASSWORD = 's3cret-registry-password';

type Handler = (request: IncomingMessage, response: ServerResponse, base: string) => void;

async function serve(handler: Handler): Promise<{ host: string; seen: IncomingMessage[]; close: () => Promise<void> }> {
  const seen: IncomingMessage[] = [];
  let base = '';
  const server: Server = createServer((request, response) => {
    seen.push(request);
    handler(request, response, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  return { host, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A registry with token authentication: the manifest needs the token the realm gives for `repository:team/web:pull` to `reader`. */
const tokenRegistry: Handler = (request, response, base) => {
  const url = new URL(request.url ?? '/', base);
  if (url.pathname === '/token') {
    const expected = `Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`;
    const ok =
      request.headers.authorization === expected &&
      url.searchParams.get('service') === 'test-registry' &&
      url.searchParams.get('scope') === 'repository:team/web:pull';
    response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? JSON.stringify({ token: 'pull-token' }) : '{}');
    return;
  }
  if (request.headers.authorization !== 'Bearer pull-token') {
    response
      .writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test-registry",scope="repository:team/web:pull"` })
      .end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(MANIFEST);
};

describe('The registry client', () => {
  it('answers a Bearer challenge with a token for the repository, fetched with the configured credentials', async () => {
    const registry = await serve(tokenRegistry);
    try {
      const client = new RegistryClient(
        { host: registry.host, username: 'reader', passwordEnv: 'REGISTRY_PASSWORD' },
        { REGISTRY_PASSWORD: PASSWORD },
        5000,
      );
      const fetched = await client.fetchManifest('team/web', DIGEST);
      assert.deepEqual(fetched.document, JSON.parse(MANIFEST.toString()));
      assert.deepEqual(
        registry.seen.map((r) => r.url?.split('?')[0]),
        [`/v2/team/web/manifests/${DIGEST}`, '/token', `/v2/team/web/manifests/${DIGEST}`],
      );
      await client.fetchManifest('team/web', DIGEST);
      assert.equal(registry.seen.length, 4, 'the token is kept for the next manifest of the repository');
    } finally {
      await registry.close();
    }
  });

  it('refuses, without the password in the message, when the token service refuses the credentials', async () => {
    const registry = await serve(tokenRegistry);
    try {
      const client = new RegistryClient(
        { host: registry.host, username: 'reader', passwordEnv: 'REGISTRY_PASSWORD' },
        { REGISTRY_PASSWORD: 'wrong' },
        5000,
      );
      await assert.rejects(client.fetchManifest('team/web', DIGEST), (err: unknown) => {
        assert.ok(err instanceof RegistryError);
        assert.match(err.message, /token service of 127\.0\.0\.1:\d+ answered 401/);
        assert.doesNotMatch(err.message, /wrong|s3cret/);
        return true;
      });
    } finally {
      await registry.close();
    }
  });

  it('refuses a document whose digest is not the one asked for', async () => {
    const registry = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end('{"schemaVersion":2}'),
    );
    try {
      const client = new RegistryClient({ host: registry.host }, {}, 5000);
      await assert.rejects(
        client.fetchManifest('team/web', DIGEST),
        /answered a document whose digest is sha256:[0-9a-f]{64}, not sha256:/,
      );
    } finally {
      await registry.close();
    }
  });

  it('gives up on a registry that does not answer within the timeout', async () => {
    const registry = await serve(() => undefined);
    try {
      const client = new RegistryClient({ host: registry.host }, {}, 200);
      await assert.rejects(client.fetchManifest('team/web', DIGEST), /no answer within 200 ms/);
    } finally {
      await registry.close();
    }
  });

  it('refuses a manifest larger than 4 MiB without reading it whole', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 5; i++) res.write(chunk);
      res.end();
    });
    try {
      const client = new RegistryClient({ host: registry.host }, {}, 5000);
      await assert.rejects(client.fetchManifest('team/web', DIGEST), /more than 4194304 bytes/);
    } finally {
      await registry.close();
    }
  });

  it('does not follow a redirect', async () => {
    const registry = await serve((_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    try {
      const client = new RegistryClient({ host: registry.host }, {}, 5000);
      await assert.rejects(client.fetchManifest('team/web', DIGEST), RegistryError);
      assert.equal(registry.seen.length, 1);
    } finally {
      await registry.close();
    }
  });
});
