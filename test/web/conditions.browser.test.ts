/**
 * The explorer's "pushed by" conditions and the pipelines / repositories starting point in
 * Chromium, against the real service process on SQLite (issue 11): the conditions in the URL and
 * in the builder, and the by-source table.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { seriousViolations } from './support/axe';
import { launchBrowser, screenshot, type TestBrowser } from './support/browser';
import { startSeededService, type SeededService } from './support/seededService';

let chromium: TestBrowser;
let service: SeededService;
const pages: Page[] = [];

async function openPage(hash: string): Promise<Page> {
  const page = await chromium.context.newPage();
  pages.push(page);
  await page.goto(`${service.url}/${hash}`);
  return page;
}

const tableRows = (page: Page) =>
  page
    .locator('table.results tbody tr')
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')));

describe('The "pushed by" conditions and the pipelines / repositories starting point in Chromium', function () {
  this.timeout(120_000);
  before(async () => {
    chromium = await launchBrowser();
    // Read-open: no sign-in, the conditions are what is tested here.
    service = await startSeededService({ readOpen: true });
  });
  after(async () => {
    await service?.stop();
    await chromium?.close();
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
  });

  it('reproduces a bookmarked query with repository, organisation, project and days, and narrows the rows by them', async () => {
    const page = await openPage(
      '#/explore?start=workloads&minSeverity=high&repository=web-api&organization=contoso&project=Shop&since=2026-03-01&until=2026-03-01&view=table',
    );
    await page.locator('table.results tbody tr').first().waitFor();
    assert.equal(await page.getByLabel('Pushed by code repository').inputValue(), 'web-api');
    assert.equal(await page.getByLabel('Organisation').inputValue(), 'contoso');
    assert.equal(await page.getByLabel('Project').inputValue(), 'Shop');
    assert.equal(await page.getByLabel('Pushed since (UTC day)').inputValue(), '2026-03-01');
    assert.equal(await page.getByLabel('Pushed until (UTC day)').inputValue(), '2026-03-01');
    assert.equal(await page.getByText('Not available yet').count(), 0, 'no condition is shown disabled any more');
    assert.deepEqual(
      (await tableRows(page)).map((r) => r[2]),
      ['Deployment/web'],
      'the unmapped api image was pushed by no run of web-api',
    );

    await page.goto(`${service.url}/#/explore?start=workloads&minSeverity=high&repository=web-api&since=2026-03-02&view=table`);
    await page.getByText('Nothing matches this query.').waitFor();
  });

  it('runs the conditions typed into the builder, and lists a repository’s pipelines from the by-source route', async () => {
    const page = await openPage('#/explore');
    await page.getByLabel('Pipelines / repositories').check();
    await page.getByLabel('Pushed by code repository').fill('https://contoso@dev.azure.com/contoso/Shop/_git/web-api');
    await page.getByLabel('Pushed since (UTC day)').fill('2026-03-01');
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/sources/images?'));
    await page.getByRole('button', { name: 'Run query' }).click();
    const request = new URL((await asked).url());
    assert.equal(request.searchParams.get('repository'), 'https://contoso@dev.azure.com/contoso/Shop/_git/web-api');
    assert.equal(request.searchParams.get('since'), '2026-03-01T00:00:00Z');
    assert.ok(!request.searchParams.has('minSeverity'), 'the by-source route takes no severity');
    await page.locator('table.results tbody tr').first().waitFor();
    assert.match(
      page.url(),
      /start=pipelines&minSeverity=high&repository=https%3A%2F%2Fcontoso%40dev\.azure\.com.*&since=2026-03-01&view=/,
    );
    const rows = await tableRows(page);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const [pipeline, repository, project, run, images, exposure] = rows[0] ?? [];
    assert.deepEqual([pipeline, repository, project, run], ['web-api CI (contoso/Shop)', 'web-api', 'Shop', 'web-api CI #13 (20260301.2)']);
    assert.match(images ?? '', /^127\.0\.0\.1:5000\/team\/web-api:1\.0\.1 \(1 critical, 1 high\)$/);
    assert.match(exposure ?? '', /prod\/shop\/Deployment\/web: internet via Ingress ×2, LoadBalancer/);
    assert.equal(await page.getByRole('button', { name: 'Graph' }).count(), 0, 'the by-source answer is a table');
    await screenshot(page, 'explorer-pipelines-by-source');
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('opens, from the pipelines template, each repository’s own by-source answer', async () => {
    const page = await openPage('#/explore?start=pipelines&minSeverity=high&view=table');
    await page.locator('table.results tbody tr').first().waitFor();
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/sources/images?'));
    await page.locator('table.results').getByRole('link', { name: 'web-api', exact: true }).first().click();
    assert.equal(new URL((await asked).url()).searchParams.get('repository'), 'https://contoso@dev.azure.com/contoso/Shop/_git/web-api');
    await page
      .getByRole('status')
      .getByText(/^1 image built by /)
      .waitFor();
    assert.deepEqual(
      (await tableRows(page)).map((r) => r[0]),
      ['web-api CI (contoso/Shop)'],
    );
  });
});
