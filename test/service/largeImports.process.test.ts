/**
 * Large imports (issue 10, "Bad input and limits") against the service as users run it, in its own process with a
 * 128 MB heap, on SQLite and PostgreSQL: a ~50 MB kubectl List (sent from stdin) and a ~200 MB Trivy report (from a
 * file) import through the CLI; a body past the limit is refused with 413 while it arrives and the service stays up;
 * a truncated 50 MB List is refused with its position and the previous snapshot is left whole.
 *
 * The heap: the service read each body whole before (one string, then JSON.parse) and died of "JavaScript heap out
 * of memory" on the 200 MB report with a 128 MB heap, and with 256 MB too; it now keeps only the fields the cores read.
 * The files are generated into a temporary folder (`support/largeImports.ts`), never committed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { Store } from '../../service/src/store/store';
import { buildService, freePort, ROOT, startService, type ServiceProcess } from '../e2e/support/serviceProcess';
import { DATABASES } from './support/stores';
import type { TestDatabase } from './support/stores';
import { writeKubectlList, writeTrivyReport, type GeneratedCluster, type GeneratedReport } from './support/largeImports';

const HEAP_MB = 128;
const TOKEN = 'cmt_test-large-imports-0123456789';
const CLI = resolve(ROOT, 'bin', 'container-mapping.js');
const FIXTURE_LIST = join(__dirname, '..', 'fixtures', 'explorer', 'kubectl-list.json');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe(`Large imports into a service with a ${HEAP_MB} MB heap`, function () {
  // Each test takes 10-40 s on an idle 2-core machine; shared CI machines are often far slower. No timing is asserted.
  this.timeout(300_000);
  let dir: string;
  let bigList: string;
  let cluster: GeneratedCluster;
  let smallList: string;
  let trivy: string;
  let report: GeneratedReport;

  before(async function () {
    this.timeout(180_000);
    dir = mkdtempSync(join(tmpdir(), 'cm-large-imports-'));
    bigList = join(dir, 'cluster.json');
    cluster = writeKubectlList(bigList, 50_000_000);
    smallList = join(dir, 'one-app.json');
    writeKubectlList(smallList, 1);
    trivy = join(dir, 'trivy.json');
    report = writeTrivyReport(trivy, 200_000_000, cluster.scannedDigest);
    await buildService();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the built CLI with `stdin` from a file, or none. */
  function runCli(args: string[], url: string, stdinFile?: string): Promise<CliRun> {
    const stdin = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CM_URL: url, CM_TOKEN: TOKEN },
      stdio: [stdin, 'pipe', 'pipe'],
    });
    if (typeof stdin === 'number') closeSync(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    return new Promise((ok, fail) => {
      child.once('error', fail);
      child.once('close', (code) => ok({ code, stdout, stderr }));
    });
  }

  function post(url: string, path: string, body: Readable, length?: number): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    if (length !== undefined) headers['content-length'] = String(length);
    return fetch(new URL(path, url), { method: 'POST', headers, body: Readable.toWeb(body) as ReadableStream<Uint8Array>, duplex: 'half' });
  }

  /**
   * POSTs a body that may never end and resolves with the answer the service sends while it is still arriving.
   * node:http rather than fetch: undici fails the whole request with EPIPE when the service closes its side while
   * the body is still being written, even after the answer came (seen in CI); node:http hands over the answer as
   * soon as it is read, and a write error after that is the expected end of such a request.
   */
  function postUnfinished(
    url: string,
    path: string,
    body: Readable,
  ): Promise<{ status: number; contentType: string | undefined; text: string }> {
    return new Promise((ok, fail) => {
      let answered = false;
      const req = request(new URL(path, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      });
      req.on('response', (res) => {
        answered = true;
        body.unpipe(req);
        body.destroy();
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          req.destroy();
          ok({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text });
        });
        res.on('error', fail);
      });
      req.on('error', (err) => {
        if (!answered) fail(err);
      });
      body.pipe(req);
    });
  }

  for (const kind of DATABASES) {
    describe(`on ${kind.name}`, () => {
      let db: TestDatabase;
      let store: Store;
      let service: ServiceProcess;

      async function start(env: Record<string, string> = {}): Promise<void> {
        service = await startService(await freePort(), {
          NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
          CM_DATABASE_URL: db.url,
          CM_TOKENS: JSON.stringify([{ name: 'explorer', sha256: hashToken(TOKEN), scopes: ['inventory'] }]),
          ...env,
        });
      }

      /** Distinct running digests of a cluster, from the store past the service. */
      async function runningImages(name: string): Promise<number> {
        return (await store.coverage({ cluster: name })).reduce((n, row) => n + row.images, 0);
      }

      function assertHealthy(): void {
        assert.equal(service.exitCode(), null, `the service exited: ${service.log().slice(-2000)}`);
        assert.doesNotMatch(service.log(), /heap out of memory/i);
      }

      beforeEach(async () => {
        db = await kind.create();
        store = await db.open();
      });
      afterEach(async () => {
        await service?.stop();
        await db.destroy();
      });

      it('imports a ~50 MB kubectl List sent from stdin and stores every workload', async () => {
        await start();
        const run = await runCli(['import', 'kubernetes', '--cluster', 'big', '-'], service.url, bigList);
        assert.equal(run.code, 0, run.stderr);
        const line = `cluster big: ${cluster.apps} workloads, ${cluster.internetExposed} internet-exposed, ${cluster.apps} images (0 unresolved)`;
        assert.equal(run.stdout.trim(), line);
        assert.equal(await runningImages('big'), cluster.apps);
        assertHealthy();
      });

      it('imports a ~200 MB Trivy report sent from a file and stores every finding', async () => {
        await start();
        assert.equal((await runCli(['import', 'kubernetes', '--cluster', 'big', smallList], service.url)).code, 0);
        const run = await runCli(['import', 'vulnerabilities', trivy], service.url);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, new RegExp(`trivy\\.json: trivy, 1 image, ${report.findings} findings`));
        const exposed = await store.listExposed({ minSeverity: 'low', cluster: 'big' }, { limit: 10 });
        const row = exposed.items.find((r) => r.digest === cluster.scannedDigest);
        assert.ok(row, JSON.stringify(exposed.items.map((r) => r.digest)));
        assert.equal(
          Object.values(row.counts).reduce((n, c) => n + c, 0),
          report.findings,
        );
        assertHealthy();
      });

      it('refuses a body past the limit with 413 while it arrives, and then answers /healthz and the next import', async () => {
        const limit = 16 * 1024 * 1024;
        await start({ CM_IMPORT_BODY_LIMIT: String(limit) });
        // An endless body: only a service that stops reading at the limit can answer it.
        let sent = 0;
        const element = Buffer.from(`"${'x'.repeat(1000)}",`);
        const endless = new Readable({
          read() {
            if (sent === 0) this.push('[');
            sent += element.length * 64;
            this.push(Buffer.concat(Array.from({ length: 64 }, () => element)));
          },
        });
        const refused = await postUnfinished(service.url, '/api/v1/scans', endless);
        assert.equal(refused.status, 413);
        assert.equal(refused.contentType, 'application/problem+json; charset=utf-8');
        const problem = JSON.parse(refused.text) as { detail: string };
        assert.match(
          problem.detail,
          /larger than the import limit of 16777216 bytes \(16 MiB, set by importBodyLimit or CM_IMPORT_BODY_LIMIT\)/,
        );
        endless.destroy();

        const declared = await post(service.url, '/api/v1/clusters/big/snapshot', createReadStream(bigList), cluster.bytes);
        assert.equal(declared.status, 413);
        assert.match(((await declared.json()) as { detail: string }).detail, new RegExp(`Content-Length: ${cluster.bytes} bytes`));

        assert.equal((await fetch(new URL('/healthz', service.url))).status, 200);
        const next = await post(service.url, '/api/v1/clusters/small/snapshot', createReadStream(FIXTURE_LIST));
        assert.equal(next.status, 201, await next.text());
        assert.ok((await runningImages('small')) > 0);
        assertHealthy();
      });

      it('refuses a truncated 50 MB List with 400 naming its position and member, and keeps the previous snapshot', async () => {
        await start();
        const first = await post(service.url, '/api/v1/clusters/big/snapshot', createReadStream(FIXTURE_LIST));
        assert.equal(first.status, 201, await first.text());
        const before = await store.coverage({ cluster: 'big' });
        assert.ok(before.length > 0);

        const half = Math.floor(cluster.bytes / 2);
        const truncated = await post(service.url, '/api/v1/clusters/big/snapshot', createReadStream(bigList, { end: half - 1 }), half);
        assert.equal(truncated.status, 400);
        const problem = (await truncated.json()) as { detail: string; pointer: string };
        assert.match(
          problem.detail,
          new RegExp(`at position ${half} \\(line \\d+, column \\d+\\) in \\$\\.items\\[\\d+\\].*; the body ends too early`),
        );
        assert.match(problem.pointer, /^\/items\/\d+/);
        // The cut is where the generator put it: the line the service names is the last line of the half read.
        const lines = readFileSync(bigList).subarray(0, half).toString('utf8').split('\n').length;
        assert.match(problem.detail, new RegExp(`\\(line ${lines}, `));

        assert.deepEqual(await store.coverage({ cluster: 'big' }), before);
        assertHealthy();
      });
    });
  }
});
