/**
 * A GitHub Actions push on the explorer page (issue 13): the image page's newest push shows the
 * workflow, the run attempt and the commit as links to GitHub, in a real browser against the service process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { hashToken } from '../../service/src/auth/staticTokens';
import { freePort, startService, type ServiceProcess } from '../e2e/support/serviceProcess';
import { GITHUB_RUN_ID, GITHUB_SHA, makeGitHubReport } from '../service/support/githubReports';
import { launchBrowser, screenshot, type TestBrowser } from './support/browser';

const INGEST_TOKEN = 'cmt_web-github-ingest-0123456789';

describe('A GitHub Actions push on the explorer page, in Chromium', function () {
  this.timeout(120_000);
  let chromium: TestBrowser;
  let service: ServiceProcess;
  let dir: string;
  let page: Page | undefined;
  const report = makeGitHubReport();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cm-web-github-'));
    chromium = await launchBrowser();
    service = await startService(await freePort(), {
      CM_DATABASE_URL: `sqlite:${join(dir, 'mappings.db')}`,
      CM_READ_OPEN: 'true',
      CM_TOKENS: JSON.stringify([{ name: 'github-ingest', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] }]),
    });
    const sent = await fetch(`${service.url.replace(/\/$/, '')}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    assert.equal(sent.status, 201, await sent.text());
  });
  after(async () => {
    await page?.close();
    await service?.stop();
    await chromium?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the workflow, the run attempt and the commit with links to GitHub', async () => {
    page = await chromium.context.newPage();
    await page.goto(`${service.url.replace(/\/$/, '')}/#/images/${encodeURIComponent(report.images[0]!.digest)}`);
    const details = page.locator('dl.details').first();
    await details.waitFor();
    const text = (await details.innerText()).replace(/\s+/g, ' ');
    for (const expected of [
      'Workflow CI (contoso/shop) · contoso/shop/.github/workflows/ci.yml@refs/heads/main',
      `Run #42, attempt 1 (id ${GITHUB_RUN_ID}) · on push`,
      'Runner GitHub Actions 2, Linux, GitHub-hosted',
      `Commit ${GITHUB_SHA.slice(0, 12)}`,
    ]) {
      assert.ok(text.includes(expected), `${expected} in ${text}`);
    }
    assert.equal(
      await details.getByRole('link', { name: `#42, attempt 1 (id ${GITHUB_RUN_ID})` }).getAttribute('href'),
      `https://github.com/contoso/shop/actions/runs/${GITHUB_RUN_ID}/attempts/1`,
    );
    assert.equal(
      await details.getByRole('link', { name: GITHUB_SHA.slice(0, 12) }).getAttribute('href'),
      `https://github.com/contoso/shop/commit/${GITHUB_SHA}`,
    );
    await screenshot(page, 'github-push');
  });

  it("opens the GitHub run's page from the image page (its run id is past 2^31)", async () => {
    page ??= await chromium.context.newPage();
    await page.goto(`${service.url.replace(/\/$/, '')}/#/images/${encodeURIComponent(report.images[0]!.digest)}`);
    await page.locator('a[href^="#/runs/"]').first().click();
    const heading = page.getByRole('heading', { level: 1 });
    await heading.filter({ hasText: 'Run 42' }).waitFor();
    assert.match(await heading.innerText(), /^Run 42 of /);
    assert.equal(await page.locator('dl.details').count(), 1);
  });
});
