/**
 * `serve` as a child process with a scheduled sync configured (`CM_KUBERNETES_SYNCS`): it reads the Kubernetes API
 * stand-in at start, stores the cluster's snapshot, logs one line for it, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KubernetesApiStandIn, type KubernetesObject } from '../support/kubernetesApi';

const root = join(__dirname, '..', '..');
const FIXTURE = join(root, 'test', 'fixtures', 'explorer', 'kubectl-list.json');
const TOKEN = 'reader-token-serve-3e9a';

describe('serve with a scheduled sync', () => {
  let api: KubernetesApiStandIn;
  let dir: string;
  let child: ChildProcess | undefined;

  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-service.mjs')], { stdio: 'inherit' });
  });
  beforeEach(async () => {
    const items = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { items: KubernetesObject[] }).items;
    api = await KubernetesApiStandIn.start({ objects: items, token: TOKEN, gatewayApi: true });
    dir = mkdtempSync(join(tmpdir(), 'cm-serve-sync-'));
  });
  afterEach(async () => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the configured cluster at start, stores its snapshot, and stops on SIGTERM', async () => {
    const syncs = JSON.stringify([{ cluster: 'prod', kubeconfig: api.writeKubeconfig(), intervalMinutes: 5 }]);
    child = spawn(process.execPath, [join(root, 'bin', 'container-mapping.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: {
        ...process.env,
        CM_DATABASE_URL: `sqlite:${join(dir, 'm.db')}`,
        CM_READ_OPEN: 'true',
        CM_LOG_LEVEL: 'info',
        CM_KUBERNETES_SYNCS: syncs,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    const logLines: string[] = [];
    const synced = new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stderr! }).on('line', (line) => {
        logLines.push(line);
        const msg = (JSON.parse(line) as { msg?: string }).msg ?? '';
        if (msg.startsWith('sync prod')) resolve(msg);
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}: ${logLines.join('\n')}`)));
    });
    const url = await new Promise<string>((resolve) => {
      createInterface({ input: child!.stdout! }).once('line', (line) => resolve(/^listening on (\S+)$/.exec(line)?.[1] ?? line));
    });

    assert.equal(await synced, 'sync prod: 10 workloads, 3 internet-exposed, 10 images (1 unresolved)');
    const coverage = (await (await fetch(`${url}/api/v1/coverage?cluster=prod`)).json()) as Array<{ namespace: string; images: number }>;
    assert.ok(
      coverage.some((row) => row.namespace === 'shop' && row.images > 0),
      JSON.stringify(coverage),
    );
    assert.ok(!logLines.join('\n').includes(TOKEN), 'no credential in the log');

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
