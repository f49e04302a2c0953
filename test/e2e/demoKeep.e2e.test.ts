/**
 * `npm run demo -- --keep` is how the README says to open the explorer page: after the demo's run it
 * leaves the service running, prints the template query's URL and the read token, and stops cleanly on
 * Ctrl-C. This test runs its command in a process group of its own, as a terminal does, and sends Ctrl-C
 * as the terminal does (SIGINT to the whole group: the demo, its service and its registry), asks the API the template's question,
 * opens the page in Chromium, and writes the screenshot `npm run docs:screenshot` copies into docs/. Then, as issue 11's
 * "Done when" asks, it files a work item from the page's row: the demo's service files it in the demo's own stand-in of
 * Azure Boards (its `remediation` names https://dev.azure.com/contoso with the stand-in as `apiUrl`).
 */
import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exposedApiParams, queryFromParams, queryToParams, TEMPLATES } from '../../web/src/query';
import type { ExposedPage } from '../../web/src/types';
import { requireDocker } from '../support/services';
import { DEMO_SCREENSHOT, launchBrowser, screenshot } from '../web/support/browser';
import { ROOT } from './support/serviceProcess';

/** `npm run demo`'s command (`node --import tsx …`: tsx's own CLI would kill the demo 30 ms into a Ctrl-C, scripts/README.md). */
const DEMO_SCRIPT =
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo ?? '';

/**
 * The demo's temporary folder: the one whose registry configuration names `registry` (other engineers' demos
 * may run on this machine at the same time, each with a folder of its own).
 */
function demoFolder(registry: string): string | undefined {
  return readdirSync(tmpdir())
    .filter((f) => f.startsWith('container-mapping-demo-'))
    .map((f) => join(tmpdir(), f))
    .find((dir) => {
      try {
        return readFileSync(join(dir, 'registry.yml'), 'utf8').includes(`addr: ${registry}\n`);
      } catch {
        return false;
      }
    });
}

/** Whether any process of group `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The exit code of `docker image inspect reference`: 0 while the image exists. */
const imageInspect = (reference: string) =>
  new Promise<number>((ok) => execFile('docker', ['image', 'inspect', reference], (err) => ok(err ? Number(err.code ?? 1) : 0)));

describe('npm run demo -- --keep', function () {
  this.timeout(300_000);
  let demo: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let exited: Promise<number | null>;
  /** The demo's temporary folder, while it runs. */
  let folder: string | undefined;
  /** What the demo printed: the page's base, the template query's URL, the token, the pushed reference and digest. */
  let base = '';
  let url = '';
  let token = '';
  let pushed = { reference: '', digest: '' };

  before(async () => {
    await requireDocker();
    // What `npm run demo -- --keep` runs, without npm and its `sh -c` in between: on Ctrl-C they report the
    // interruption (exit by SIGINT) whatever the script's own exit code, which is what this test checks.
    const [node, ...args] = DEMO_SCRIPT.split(' ');
    assert.equal(node, 'node', DEMO_SCRIPT);
    demo = spawn(process.execPath, [...args, '--keep'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    demo.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    demo.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const child = demo;
    exited = new Promise((ok) => child.once('exit', (code) => ok(code)));
    const printed = /press Ctrl-C to stop it/;
    await new Promise<void>((ok, fail) => {
      const timer = setInterval(() => {
        if (printed.test(stdout)) {
          clearInterval(timer);
          ok();
        }
      }, 200);
      void exited.then((code) => {
        clearInterval(timer);
        fail(new Error(`the demo exited with ${code} before printing the page's URL:\n${stdout}\n${stderr}`));
      });
    });
    const page = /^ {3}(http:\/\/127\.0\.0\.1:\d+)\/#\/explore\?(\S+)$/m.exec(stdout);
    assert.ok(page, `the template query's URL is printed:\n${stdout}`);
    [url, base] = [`${page[1]}/#/explore?${page[2]}`, page[1] ?? ''];
    const signIn = /Sign in with this read token[^\n]*\n\n {3}(\S+)$/m.exec(stdout);
    assert.ok(signIn?.[1], `the read token is printed:\n${stdout}`);
    token = signIn[1];
    // The engine is shared: another engineer's push in the same window is mapped to the demo's run too.
    const mapped = /Mapped \d+ pushed images? to run 20261128\.3: .*?(\S+\/demo\/web-api:\S+) → (sha256:[0-9a-f]{64})/.exec(stdout);
    assert.ok(mapped?.[1] && mapped[2], `the task's line:\n${stdout}`);
    pushed = { reference: mapped[1], digest: mapped[2] };
    const registry = /2\. Starting a throw-away registry …\n {3}(\S+)\n/.exec(stdout)?.[1];
    assert.ok(registry, `the registry's address:\n${stdout}`);
    folder = demoFolder(registry);
    assert.ok(folder, `a folder in ${tmpdir()} holds the configuration of ${registry}`);
  });

  after(async () => {
    // Only if something failed before the last test stopped it: Ctrl-C, so that it cleans up, and if it has not
    // ended within a minute, SIGKILL to the whole group.
    const pid = demo?.pid;
    if (!pid || !groupAlive(pid)) return;
    if (demo?.exitCode === null) process.kill(-pid, 'SIGINT');
    const deadline = Date.now() + 60_000;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  });

  it("prints the first template's query as the page's URL, the token only in the terminal, and serves the page", async () => {
    const template = TEMPLATES[0];
    assert.ok(template);
    assert.equal(url, `${base}/#/explore?${queryToParams(template.query).toString()}`);
    assert.ok(!url.includes(token), 'the token is not in the URL');
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  });

  it("answers the template's question through the API: the demo's workload behind its load balancer, mapped to the demo's run", async () => {
    // What the page asks for that URL (web/src/api.ts), first page.
    const query = queryFromParams(new URLSearchParams(url.split('?')[1]));
    const response = await fetch(`${base}/api/v1/exposed?${exposedApiParams(query, { limit: 50 }).toString()}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const rows = ((await response.json()) as ExposedPage).items;
    const row = rows.find((r) => r.digest === pushed.digest);
    assert.ok(row, `the pushed digest is a row: ${JSON.stringify(rows.map((r) => r.digest))}`);
    assert.equal(`${row.cluster}/${row.namespace}/${row.workloadKind}/${row.workloadName}`, 'aks-prod-weu/shop/Deployment/web-api');
    assert.deepEqual(
      row.exposure.map((path) => path.via),
      ['LoadBalancer'],
    );
    assert.deepEqual(row.references, [pushed.reference]);
    assert.deepEqual(
      row.runs.map((push) => [push.run.id, push.run.number, push.pipeline.name, push.sourceRepository.name, push.branch]),
      [[1234, '20261128.3', 'web-api CI', 'web-api', 'refs/heads/main']],
    );
    const vendor = rows.find((r) => r.workloadName === 'checkout');
    assert.ok(vendor, 'the vendor image is a row too');
    assert.deepEqual(vendor.runs, [], 'unmapped');
  });

  it('says it files work items in a local stand-in of Azure Boards, and answers the unmapped vendor image that it has no owner', async () => {
    assert.match(stdout, /work items go to a local stand-in of Azure Boards\n? *\(http:\/\/127\.0\.0\.1:\d+\/contoso\/\)/);
    const rows = await fetch(`${base}/api/v1/exposed?minSeverity=high`, { headers: { authorization: `Bearer ${token}` } });
    const vendor = ((await rows.json()) as ExposedPage).items.find((r) => r.workloadName === 'checkout');
    assert.ok(vendor);
    const response = await fetch(`${base}/api/v1/remediations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ digest: vendor.digest, minSeverity: 'high' }),
    });
    assert.equal(response.status, 422);
    assert.match(((await response.json()) as { type?: string }).type ?? '', /no-owner$/, 'the unmapped image has no owner to ask');
  });

  it('shows the template as a graph, exposed workload → image → run → repository, after signing in', async () => {
    const chromium = await launchBrowser();
    try {
      const page = await chromium.context.newPage();
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.goto(url);
      await page.getByLabel('Read token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.graph[data-drawn="true"]').waitFor();
      assert.equal(page.url(), url, 'signing in keeps the query');
      const nodes = await page.locator('.node-list li').allTextContents();
      for (const expected of [
        'workload: Deployment/web-api aks-prod-weu/shop',
        `image: ${pushed.reference}`,
        'run: web-api CI #1234 (20261128.3)',
        'repository: web-api',
        'workload: Deployment/checkout aks-prod-weu/shop',
        'image: ghcr.io/contoso-vendor/checkout:2.1.0 (unmapped)',
      ]) {
        assert.ok(nodes.includes(expected), `${expected} in ${nodes.join(' | ')}`);
      }
      // The "…" of the image → run edge: where the pipeline ran.
      await page.getByRole('button', { name: /^Details of .*demo\/web-api.* → web-api CI #1234/ }).click();
      await page.locator('.edge-details dl').waitFor();
      assert.match((await page.locator('.edge-details').innerText()).replace(/\s+/g, ' '), /Agent demo-agent, Linux, self-hosted/);
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, DEMO_SCREENSHOT, { fullPage: false });
    } finally {
      await chromium.close();
    }
  });

  it("files a work item from the exposed mapped row, links it under dev.azure.com/contoso, links the same one when asked again, and offers nothing for the vendor's row", async () => {
    const chromium = await launchBrowser();
    try {
      const page = await chromium.context.newPage();
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.goto(url);
      await page.getByLabel('Read token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('group', { name: 'Show results as' }).getByRole('button', { name: 'Table' }).click();
      await page.locator('table.results tbody tr').first().waitFor();
      const panel = page.locator('section.remediation');
      const repository = 'https://dev.azure.com/contoso/Shop/_git/web-api';

      const vendorRow = page.locator('table.results tbody tr', { hasText: 'ghcr.io/contoso-vendor/checkout:2.1.0' });
      assert.equal(await vendorRow.locator('td').last().textContent(), 'no owner: this image is not mapped to a pipeline run');
      assert.equal(await vendorRow.getByRole('button').count(), 0, "nothing to ask for the vendor's row");
      assert.equal(await vendorRow.getByRole('checkbox').count(), 0);

      await page.getByRole('button', { name: `Ask the owning team to fix ${pushed.reference}` }).click();
      await panel.getByText(`no open work item yet: files a Bug in Shop, for ${repository}`).waitFor();
      await panel.getByRole('button', { name: 'File the work item' }).click();
      await panel.getByText('Filed one work item.').waitFor();
      const link = panel.getByRole('link', { name: /^Bug \d+$/ });
      const href = (await link.getAttribute('href')) ?? '';
      const id = /^https:\/\/dev\.azure\.com\/contoso\/Shop\/_workitems\/edit\/(\d+)$/.exec(href)?.[1];
      assert.ok(id, `the work item's link names the organisation the runs name: ${href}`);
      assert.equal(await link.textContent(), `Bug ${id}`);

      // Asked again from a fresh page: the same work item, nothing left to file.
      await page.reload();
      await page.locator('table.results tbody tr').first().waitFor();
      await page.getByRole('button', { name: `Ask the owning team to fix ${pushed.reference}` }).click();
      await panel.getByText(`open work item exists in Shop, for ${repository}`).waitFor();
      assert.equal(await panel.getByRole('link', { name: `Bug ${id}` }).getAttribute('href'), href);
      assert.ok(await panel.getByRole('button', { name: 'File the work item' }).isDisabled(), 'nothing left to file');
      await screenshot(page, 'demo-keep-remediation');
    } finally {
      await chromium.close();
    }
    // The API agrees: one open work item, no duplicate.
    const again = await fetch(`${base}/api/v1/remediations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ digest: pushed.digest, minSeverity: 'high' }),
    });
    assert.equal(again.status, 200);
    const items = ((await again.json()) as { workItems: Array<{ status: string; url: string | null }> }).workItems;
    assert.deepEqual(
      items.map((w) => w.status),
      ['existing'],
    );
    assert.match(items[0]?.url ?? '', /^https:\/\/dev\.azure\.com\/contoso\/Shop\/_workitems\/edit\/\d+$/);
  });

  it('stops on Ctrl-C with exit code 0 and leaves nothing running or on disk', async () => {
    assert.ok(demo?.pid);
    const boards = /local stand-in of Azure Boards at (http:\/\/127\.0\.0\.1:\d+\/contoso\/)/.exec(stdout)?.[1];
    assert.ok(boards, stdout);
    assert.equal(
      (await fetch(`${boards}_apis/wit/workitems/1`)).status,
      401,
      'the stand-in answers while the demo runs (and wants the PAT)',
    );
    process.kill(-demo.pid, 'SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /Demo finished; everything it started has been stopped and removed\./);
    const deadline = Date.now() + 10_000;
    while (groupAlive(demo.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!groupAlive(demo.pid), 'no process of the demo is left (service, registry)');
    await assert.rejects(fetch(`${base}/healthz`), 'the service no longer answers');
    await assert.rejects(fetch(boards), 'the Azure Boards stand-in no longer answers');
    assert.notEqual(await imageInspect(pushed.reference), 0, 'the demo image is removed');
    assert.ok(folder && !existsSync(folder), `${folder} is removed`);
  });
});
