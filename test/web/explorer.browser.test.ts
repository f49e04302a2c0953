/**
 * The explorer page in a real browser (Debian's Chromium via playwright-core) against the real
 * service process on SQLite, seeded through the import and report routes (issue 11).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { seriousViolations } from './support/axe';
import { launchBrowser, screenshot, tabTo, type TestBrowser } from './support/browser';
import { READ_TOKEN, RUN_13_URL, startSeededService, type SeededService } from './support/seededService';
import { API, WEB } from '../service/support/explorerSeed';

let chromium: TestBrowser;
let service: SeededService;
/** The tabs a test opened, closed after it. */
const pages: Page[] = [];

const TEMPLATE = '#/explore?start=workloads&minSeverity=high&view=graph';

/** A fresh tab that records every Content-Security-Policy violation the page reports. */
async function openPage(): Promise<{ page: Page; cspViolations: string[] }> {
  const page = await chromium.context.newPage();
  pages.push(page);
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { page, cspViolations };
}

async function signIn(page: Page, base: string, token = READ_TOKEN): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Read token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const tableRows = (page: Page, table = 'table.results') =>
  page
    .locator(`${table} tbody tr`)
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')));

describe('The explorer page in Chromium, against the service process', function () {
  this.timeout(120_000);
  before(async () => {
    chromium = await launchBrowser();
    service = await startSeededService();
  });
  after(async () => {
    await service?.stop();
    await chromium?.close();
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
  });

  it('signs in with a read token kept in sessionStorage only, never in the URL, and refuses a wrong one', async () => {
    const { page, cspViolations } = await openPage();
    await signIn(page, service.url, 'cmt_not-a-token-0123456789');
    await page.getByText('The service refused this token (401)').waitFor();
    await screenshot(page, 'sign-in');
    await page.getByLabel('Read token').fill(READ_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Explorer', level: 1 }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 1);
    assert.equal(await page.evaluate('localStorage.length'), 0);
    assert.ok(!page.url().includes(READ_TOKEN));
    assert.deepEqual(cspViolations, []);
  });

  it('returns to sign-in with a clear message when the service refuses the kept token', async () => {
    const { page } = await openPage();
    await signIn(page, service.url);
    await page.getByRole('heading', { name: 'Explorer', level: 1 }).waitFor();
    await page.evaluate(`sessionStorage.setItem('container-mapping.readToken', 'cmt_revoked-0123456789')`);
    await page.reload();
    await page.getByText('The service refused the token (401): sign in again.').waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0);
  });

  it('runs the template into a graph of workloads, images, runs and repositories, the unmapped image marked', async () => {
    const { page, cspViolations } = await openPage();
    await signIn(page, service.url);
    await page.getByRole('link', { name: /^Internet-exposed workloads running images with high-severity CVEs/ }).click();
    await page.locator('.node-list li').first().waitFor();
    assert.ok(page.url().endsWith(TEMPLATE), page.url());
    const nodes = await page.locator('.node-list li').allTextContents();
    assert.deepEqual(nodes.filter((n) => n.startsWith('workload:')).sort(), [
      'workload: Deployment/api prod/shop',
      'workload: Deployment/web prod/shop',
    ]);
    assert.deepEqual(nodes.filter((n) => n.startsWith('run:')).sort(), [
      'run: web-api CI #12 (20260301.1)',
      'run: web-api CI #13 (20260301.2)',
    ]);
    assert.deepEqual(
      nodes.filter((n) => n.startsWith('repository:')),
      ['repository: web-api'],
    );
    assert.deepEqual(await page.locator('.node-list li.unmapped').allTextContents(), [
      'image: contoso.azurecr.io/shop/api:2.0.1 (unmapped)',
    ]);
    assert.ok(nodes.includes('registry: contoso.azurecr.io'), nodes.join(' | '));
    // Cytoscape drew it: its canvases are in the graph's container, with a size.
    await page.locator('.graph canvas').first().waitFor();
    const box = await page.locator('.graph canvas').first().boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, JSON.stringify(box));
    await page.waitForTimeout(500);
    await screenshot(page, 'explorer-graph');
    assert.deepEqual(cspViolations, []);
  });

  it("opens an image → run edge's details: pipeline, run link, job, agent, push time, commit, branch, attribution", async () => {
    const { page } = await openPage();
    await signIn(page, service.url);
    await page.goto(`${service.url}/${TEMPLATE}`);
    await page.getByRole('button', { name: /^Details of contoso\.azurecr\.io\/shop\/web:1\.4\.2 → web-api CI #13/ }).click();
    const details = page.locator('.edge-details');
    await details.locator('dl').waitFor();
    const text = (await details.innerText()).replace(/\s+/g, ' ');
    for (const expected of [
      'Pipeline web-api CI (contoso/Shop)',
      'Run 20260301.2 (id 13)',
      'Job Build, attempt 1',
      'Agent Hosted Agent, Linux, Microsoft-hosted',
      'Pushed at 2026-03-01 11:00:00Z',
      'Commit 4f9c2a7d1e3b',
      'Branch refs/heads/main',
      'Attribution exclusive',
    ]) {
      assert.ok(text.includes(expected), `${expected} in ${text}`);
    }
    assert.equal(await details.getByRole('link', { name: '20260301.2 (id 13)' }).getAttribute('href'), RUN_13_URL);
    assert.equal(
      await details.getByRole('link', { name: '4f9c2a7d1e3b' }).getAttribute('href'),
      'https://dev.azure.com/contoso/Shop/_git/web-api/commit/4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c',
    );
    await screenshot(page, 'explorer-edge-details');
  });

  it('shows the table, sorts it, and exports the rows on screen as CSV', async () => {
    const { page } = await openPage();
    await signIn(page, service.url);
    await page.goto(`${service.url}/${TEMPLATE}`);
    await page.getByRole('button', { name: 'Table' }).click();
    assert.ok(page.url().endsWith('#/explore?start=workloads&minSeverity=high&view=table'), page.url());
    await page.locator('table.results tbody tr').first().waitFor();
    const rows = await tableRows(page);
    assert.deepEqual(
      rows.map((r) => [r[2], r[3], r[10]]),
      [
        ['Deployment/api', 'Ingress', 'unmapped'],
        ['Deployment/web', 'Ingress ×2, LoadBalancer', 'web-api CI #13 (20260301.2); web-api CI #12 (20260301.1)'],
      ],
    );
    await page.getByRole('button', { name: 'Workload' }).click();
    await page.getByRole('button', { name: 'Workload' }).click();
    assert.equal(await page.locator('th', { has: page.getByRole('button', { name: 'Workload' }) }).getAttribute('aria-sort'), 'descending');
    assert.deepEqual(
      (await tableRows(page)).map((r) => r[2]),
      ['Deployment/web', 'Deployment/api'],
    );
    await screenshot(page, 'explorer-table');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export these rows as CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'container-mapping-workloads.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.split('\r\n');
    assert.deepEqual(lines, [
      'Cluster,Namespace,Workload,Exposure,Image,Digest,Critical,High,Medium,Low,Built by',
      `prod,shop,Deployment/web,"Ingress ×2, LoadBalancer",contoso.azurecr.io/shop/web:1.4.2,${WEB},1,1,2,1,web-api CI #13 (20260301.2); web-api CI #12 (20260301.1)`,
      `prod,shop,Deployment/api,Ingress,contoso.azurecr.io/shop/api:2.0.1,${API},0,1,1,2,unmapped`,
      '',
    ]);
  });

  it('opens the image page from a row and the coverage page from the navigation', async () => {
    const { page, cspViolations } = await openPage();
    await signIn(page, service.url);
    await page.goto(`${service.url}/#/explore?start=workloads&minSeverity=high&view=table`);
    await page.getByRole('link', { name: /^contoso\.azurecr\.io\/shop\/web:1\.4\.2/ }).click();
    await page.getByRole('heading', { name: 'Image', level: 1 }).waitFor();
    assert.equal(await page.locator('.digest code').textContent(), WEB);
    await page.locator('table.pushes tbody tr').first().waitFor();
    const running = await tableRows(page, 'table.running');
    assert.ok(
      running.some((r) => r[0] === 'prod' && r[1] === 'shop' && r[2] === 'Deployment/web' && /^internet: .*LoadBalancer/.test(r[3] ?? '')),
      `where the image runs and how it is exposed: ${JSON.stringify(running)}`,
    );
    assert.match((await page.locator('.finding-counts').textContent()) ?? '', /^1 critical, 1 high, 2 medium, 1 low; scanned by /);
    assert.ok((await tableRows(page, 'table.findings')).length > 0, 'the most severe findings are listed');
    assert.deepEqual(
      (await tableRows(page, 'table.pushes')).map((r) => r[2]),
      ['web-api CI #13 (20260301.2)', 'web-api CI #12 (20260301.1)'],
    );
    await screenshot(page, 'image');

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Coverage' }).click();
    await page.getByRole('heading', { name: 'Coverage', level: 1 }).waitFor();
    await page.locator('table.coverage tbody tr').first().waitFor();
    const coverage = await tableRows(page, 'table.coverage');
    const shop = coverage.find((r) => r[0] === 'prod' && r[1] === 'shop');
    assert.ok(shop, JSON.stringify(coverage));
    assert.equal(shop[3], '1', 'one running image in prod/shop is mapped (web)');
    assert.ok(Number(shop[4]) >= 1, 'and the others are unmapped');
    const unmapped = await page.locator('table.unmapped-images tbody tr').allTextContents();
    assert.ok(
      unmapped.some((row) => row.includes('prod') && row.includes('Deployment/api') && row.includes(API)),
      `the unmapped list names the api image and its workload: ${JSON.stringify(unmapped)}`,
    );
    assert.ok(!unmapped.some((row) => row.includes(WEB)), 'the mapped web image is not in it');
    assert.equal(
      await page.locator('table.unmapped-images').getByRole('link', { name: API }).getAttribute('href'),
      `#/images/${encodeURIComponent(API)}`,
      'each unmapped digest opens its image page',
    );
    await screenshot(page, 'coverage');
    assert.deepEqual(cspViolations, []);
  });

  it('reproduces a bookmarked query in a new tab of a read-open service, with no sign-in', async () => {
    const open = await startSeededService({ readOpen: true });
    try {
      const { page } = await openPage();
      await page.goto(`${open.url}/#/explore?start=images&minSeverity=medium&fixable=true&cluster=prod&namespace=shop&view=table`);
      await page.locator('table.results tbody tr').first().waitFor();
      assert.equal(await page.getByLabel('Read token').count(), 0, 'no sign-in');
      assert.equal(await page.getByLabel('Cluster').inputValue(), 'prod');
      assert.equal(await page.getByLabel('Namespace').inputValue(), 'shop');
      assert.equal(await page.getByLabel('Has vulnerabilities, minimum severity').inputValue(), 'medium');
      assert.ok(await page.getByLabel(/Fixable only/).isChecked());
      assert.ok(await page.getByLabel('Container images').isChecked());
      const rows = await tableRows(page);
      assert.deepEqual(
        rows.map((r) => r[0]?.replace(/@.*/, '')),
        ['contoso.azurecr.io/shop/api:2.0.1', 'contoso.azurecr.io/shop/web:1.4.2'],
      );

      // Reading needs no token, but filing a work item does: the navigation offers to sign in, and the query stays.
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Read token').fill(READ_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      assert.equal(await page.evaluate('sessionStorage.length'), 1, 'the token is kept for this tab');
      assert.equal(await page.getByLabel('Cluster').inputValue(), 'prod', 'the query is kept');
      // A reload keeps using the token this tab signed in with, rather than reading anonymously.
      await page.reload();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      assert.equal(await page.evaluate('sessionStorage.length'), 0, 'signing out forgets the token');
    } finally {
      await open.stop();
    }
  });

  it('can be used with the keyboard alone: sign in, run the template, open an edge', async () => {
    const { page } = await openPage();
    await page.goto(`${service.url}/`);
    await page.getByLabel('Read token').waitFor();
    await page.keyboard.type(READ_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Explorer', level: 1 }).waitFor();
    await tabTo(page, 'a[data-template="exposed-high"]');
    await page.keyboard.press('Enter');
    await page.locator('.edge-list button.more').first().waitFor();
    await tabTo(page, '.edge-list button.more');
    await page.keyboard.press('Enter');
    await page.locator('.edge-details dl').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.tagName'), 'H3', 'focus moves to the details');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), '20260301.2 (id 13)', 'the run link is next');
  });

  it('fits the results table and the push tables in a 1440-px-wide window, with no sideways scrolling', async () => {
    const { page } = await openPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, service.url);
    const overflow: Record<string, { scrollWidth: number; clientWidth: number }> = {};
    for (const [name, hash, ready] of [
      ['workloads', '#/explore?start=workloads&minSeverity=low&view=table', 'table.results tbody tr'],
      ['images', '#/explore?start=images&minSeverity=low&view=table', 'table.results tbody tr'],
      ['image', `#/images/${encodeURIComponent(WEB)}`, 'table.pushes tbody tr'],
      ['run', '#/runs/13', 'table.pushes tbody tr'],
    ] as const) {
      await page.goto(`${service.url}/${hash}`);
      await page.locator(ready).first().waitFor();
      // The page, and each table's own scrolling box: a table that scrolls inside hides its last columns just the same.
      const sizes = (await page.evaluate(
        `[document.documentElement, ...document.querySelectorAll('.scroll')].map((e) => ({ scrollWidth: e.scrollWidth, clientWidth: e.clientWidth }))`,
      )) as Array<{ scrollWidth: number; clientWidth: number }>;
      sizes.forEach((size, i) => {
        if (size.scrollWidth > size.clientWidth) overflow[i === 0 ? name : `${name} table ${i}`] = size;
      });
      await screenshot(page, `layout-1440-${name}`);
    }
    assert.deepEqual(overflow, {}, 'pages wider than the window');
  });

  it('has no serious or critical axe-core violation on any page', async () => {
    const { page } = await openPage();
    await page.goto(`${service.url}/`);
    await page.getByLabel('Read token').waitFor();
    const found: Record<string, string[]> = { 'sign-in': await seriousViolations(page) };
    await signIn(page, service.url);
    for (const [name, hash, ready] of [
      ['graph', TEMPLATE, '.node-list li'],
      ['table', '#/explore?start=workloads&minSeverity=high&view=table', 'table.results tbody tr'],
      ['pipelines', '#/explore?start=pipelines&minSeverity=high&view=table', 'table.results tbody tr'],
      ['coverage', '#/coverage', 'table.coverage tbody tr'],
      ['image', `#/images/${encodeURIComponent(WEB)}`, 'table.pushes tbody tr'],
      ['run', `#/runs/13`, 'table.pushes tbody tr'],
    ] as const) {
      await page.goto(`${service.url}/${hash}`);
      await page.reload();
      await page.locator(ready).first().waitFor();
      found[name] = await seriousViolations(page);
      if (name === 'run') await screenshot(page, 'run');
    }
    assert.deepEqual(
      Object.entries(found).filter(([, v]) => v.length > 0),
      [],
    );
  });
});
