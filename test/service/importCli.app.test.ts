/**
 * `container-mapping import kubernetes|vulnerabilities` and `sync kubernetes --url` against the app listening on
 * loopback (SQLite and PostgreSQL), and `token create --scope inventory`, which makes the tokens they send.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken } from '../../service/src/auth/staticTokens';
import { main } from '../../service/src/cli/main';
import { INGEST_TOKEN, startTestService, type TestService } from './support/app';
import { DATABASES, type DatabaseKind } from './support/stores';
import { KubernetesApiStandIn, type KubernetesObject } from '../support/kubernetesApi';

const FIXTURES = join(__dirname, '..', 'fixtures', 'explorer');
const INVENTORY_TOKEN = 'cmt_test-inventory-cli-0123456789';

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

for (const kind of DATABASES) describe(`The import commands against a running service on ${kind.name}`, () => importCommands(kind));

/** The commands against a service listening on loopback, on a fresh database of `kind`. */
function importCommands(kind: DatabaseKind): void {
  let svc: TestService;
  let url: string;
  let dir: string;

  beforeEach(async () => {
    svc = await startTestService(kind, {
      tokens: [
        { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
        { name: 'explorer', sha256: hashToken(INVENTORY_TOKEN), scopes: ['inventory'] },
      ],
    });
    url = await svc.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'cm-import-'));
  });
  afterEach(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a token with the inventory scope', async () => {
    const c = capture();
    assert.equal(await main(['token', 'create', '--name', 'explorer', '--scope', 'inventory'], c.io), 0, c.err.join('\n'));
    const entry = JSON.parse((c.out[1] ?? '').replace(/^[^{]*/, '')) as { scopes: string[] };
    assert.deepEqual(entry.scopes, ['inventory']);
  });

  it('imports a kubectl List file as a cluster snapshot and prints a one-line summary', async () => {
    const c = capture({ CM_URL: url, CM_TOKEN: INVENTORY_TOKEN });
    const code = await main(['import', 'kubernetes', '--cluster', 'prod', join(FIXTURES, 'kubectl-list.json')], c.io);
    assert.equal(code, 0, c.err.join('\n'));
    assert.deepEqual(c.out, ['cluster prod: 10 workloads, 3 internet-exposed, 10 images (1 unresolved)']);
    const coverage = await svc.app.store.coverage({ cluster: 'prod' });
    assert.ok(coverage.length > 0);
  });

  it('imports several scanner documents, one line each, and exits 1 naming the file the service refused', async () => {
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"SchemaVersion": 2, ');
    const c = capture();
    const files = [join(FIXTURES, 'trivy-web-api.json'), notJson, join(FIXTURES, 'grype-web-api.json')];
    const code = await main(['import', 'vulnerabilities', '--url', url, '--token', INVENTORY_TOKEN, ...files], c.io);
    assert.equal(code, 1);
    assert.equal(c.out.length, 2);
    assert.match(c.out[0] ?? '', /trivy-web-api\.json: trivy, 1 image, \d+ findings$/);
    assert.match(c.out[1] ?? '', /grype-web-api\.json: grype, \d+ images?, \d+ findings$/);
    assert.match(c.err.join('\n'), /broken\.json: the service answered 400: the body is not valid JSON: .* at position 21/);
  });

  it('exits 1 with the service’s reason when the token may not import', async () => {
    const c = capture({ CM_URL: url, CM_TOKEN: INGEST_TOKEN });
    const code = await main(['import', 'kubernetes', '--cluster', 'prod', join(FIXTURES, 'kubectl-list.json')], c.io);
    assert.equal(code, 1);
    assert.match(c.err.join('\n'), /the service answered 403: .*inventory scope/);
    assert.deepEqual(await svc.app.store.coverage({}), []);
  });

  it('sends a live cluster read by sync kubernetes --url as the cluster snapshot', async () => {
    const items = (JSON.parse(readFileSync(join(FIXTURES, 'kubectl-list.json'), 'utf8')) as { items: KubernetesObject[] }).items;
    const api = await KubernetesApiStandIn.start({ objects: items, token: 'reader', gatewayApi: true });
    try {
      const c = capture({ CM_TOKEN: INVENTORY_TOKEN });
      const code = await main(['sync', 'kubernetes', '--kubeconfig', api.writeKubeconfig(), '--cluster', 'live', '--url', url], c.io);
      assert.equal(code, 0, c.err.join('\n'));
      assert.deepEqual(c.out, ['sent: cluster live: 10 workloads, 3 internet-exposed, 10 images (1 unresolved)']);
      assert.ok((await svc.app.store.coverage({ cluster: 'live' })).length > 0);
    } finally {
      await api.close();
    }
  });

  it('exits 2 with the usage when import kubernetes has no --cluster or no file', async () => {
    for (const args of [['kubernetes', '-'], ['kubernetes', '--cluster', 'c'], ['nothing']]) {
      const c = capture();
      assert.equal(await main(['import', ...args], c.io), 2);
      assert.match(c.err.join('\n'), /usage: container-mapping import kubernetes/);
    }
  });
}
