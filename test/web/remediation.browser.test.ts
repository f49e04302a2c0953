/**
 * "Ask the owning team to fix" on the explorer page, in Chromium, against the real service process
 * configured to file in the Azure DevOps stand-in's organisation, whose work item endpoints are
 * test/support/azureBoards.ts (their store is what the assertions count).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { AzureBoardsStandIn } from '../support/azureBoards';
import { launchBrowser, screenshot, type TestBrowser } from './support/browser';
import { FIX_TOKEN, READ_TOKEN, startSeededService, type SeededService } from './support/seededService';
import { seriousViolations } from './support/axe';

const PAT = 'web-remediation-pat-8d7f6g5h4j3k2l1';
const IMAGES_TABLE = '#/explore?start=images&minSeverity=high&view=table';
const WEB_IMAGE = 'contoso.azurecr.io/shop/web:1.4.2';

let chromium: TestBrowser;
const pages: Page[] = [];

/** The stand-in with its boards, and a seeded service whose runs are the stand-in's organisation's. */
interface Rig {
  standIn: AzureDevOpsStandIn;
  boards: AzureBoardsStandIn;
  service: SeededService;
}

async function startRig(configuredPat = PAT): Promise<Rig> {
  const standIn = await AzureDevOpsStandIn.start({ personalAccessToken: PAT });
  const boards = AzureBoardsStandIn.install(standIn);
  try {
    const service = await startSeededService({ remediation: { organizationUrl: standIn.url, pat: configuredPat } });
    return { standIn, boards, service };
  } catch (err) {
    await standIn.close();
    throw err;
  }
}

async function stopRig(rig: Rig | undefined): Promise<void> {
  await rig?.service.stop();
  await rig?.standIn.close();
}

/** A signed-in tab showing the images table. */
async function openTable(rig: Rig, token: string): Promise<Page> {
  const page = await chromium.context.newPage();
  pages.push(page);
  await page.goto(`${rig.service.url}/`);
  await page.getByLabel('Read token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Explorer', level: 1 }).waitFor();
  await page.goto(`${rig.service.url}/${IMAGES_TABLE}`);
  await page.locator('table.results tbody tr').first().waitFor();
  return page;
}

const panel = (page: Page) => page.locator('section.remediation');

describe('Asking the owning team to fix, from the explorer page', function () {
  this.timeout(120_000);
  let rig: Rig | undefined;
  before(async () => {
    chromium = await launchBrowser();
  });
  after(async () => chromium?.close());
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
    await stopRig(rig);
    rig = undefined;
  });

  it('looks first, files one work item from a row, links it, and links the same one when asked again', async () => {
    rig = await startRig();
    const page = await openTable(rig, FIX_TOKEN);
    await page.getByRole('button', { name: `Ask the owning team to fix ${WEB_IMAGE}` }).click();
    await panel(page)
      .getByText('no open work item yet: files a Bug in Shop, for https://dev.azure.com/contoso/Shop/_git/web-api')
      .waitFor();
    assert.equal(rig.boards.items.size, 0, 'looking creates nothing');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'remediation-title', 'focus moves to the panel');

    await panel(page).getByRole('button', { name: 'File the work item' }).click();
    await panel(page).getByText('Filed one work item.').waitFor();
    assert.equal(rig.boards.items.size, 1);
    const [id] = [...rig.boards.items.keys()];
    const link = panel(page).getByRole('link', { name: `Bug ${id}` });
    assert.equal(await link.getAttribute('href'), `${rig.standIn.url}Shop/_workitems/edit/${id}`);
    await screenshot(page, 'remediation-filed');

    // Asked again, from a fresh page: the open work item is shown, nothing more is filed.
    await page.reload();
    await page.locator('table.results tbody tr').first().waitFor();
    await page.getByRole('button', { name: `Ask the owning team to fix ${WEB_IMAGE}` }).click();
    await panel(page).getByText('open work item exists in Shop, for https://dev.azure.com/contoso/Shop/_git/web-api').waitFor();
    assert.equal(
      await panel(page)
        .getByRole('link', { name: `Bug ${id}` })
        .getAttribute('href'),
      `${rig.standIn.url}Shop/_workitems/edit/${id}`,
    );
    assert.ok(await panel(page).getByRole('button', { name: 'File the work item' }).isDisabled(), 'nothing left to file');
    assert.equal(rig.boards.items.size, 1);
    assert.equal(rig.standIn.requestsTo('workItemCreate').length, 1, 'no duplicate was created');
  });

  it('hands off a selection of rows made with the keyboard, each image once', async () => {
    rig = await startRig();
    const page = await openTable(rig, FIX_TOKEN);
    const selectAll = page.getByRole('button', { name: /^Ask the owning team to fix the selected rows/ });
    assert.ok(await selectAll.isDisabled(), 'nothing selected yet');
    await page.getByRole('checkbox', { name: new RegExp(`^Select ${WEB_IMAGE.replace(/[./]/g, '\\$&')}`) }).focus();
    await page.keyboard.press('Space');
    assert.equal(await selectAll.textContent(), 'Ask the owning team to fix the selected rows (1)');
    await selectAll.focus();
    await page.keyboard.press('Enter');
    await panel(page).getByRole('button', { name: 'File the work item' }).waitFor();
    await panel(page)
      .getByText(/no open work item yet/)
      .waitFor();
    assert.deepEqual(await panel(page).locator('.image-name').allTextContents(), [WEB_IMAGE]);
    await panel(page).getByRole('button', { name: 'File the work item' }).focus();
    await page.keyboard.press('Enter');
    await panel(page).getByText('Filed one work item.').waitFor();
    assert.equal(rig.boards.items.size, 1);
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('says an unmapped image has no owner and offers nothing to file for it', async () => {
    rig = await startRig();
    const page = await openTable(rig, FIX_TOKEN);
    const api = page.locator('table.results tbody tr', { hasText: 'contoso.azurecr.io/shop/api:2.0.1' });
    assert.equal(await api.locator('td').last().textContent(), 'no owner: this image is not mapped to a pipeline run');
    assert.equal(await api.getByRole('button').count(), 0);
    assert.equal(await api.getByRole('checkbox').count(), 0);
    assert.equal(rig.standIn.requests.length, 0, 'Azure DevOps was not asked');
  });

  it('shows why a read token may not file, keeps the File button disabled, and creates nothing', async () => {
    rig = await startRig();
    const page = await openTable(rig, READ_TOKEN);
    await page.getByRole('button', { name: `Ask the owning team to fix ${WEB_IMAGE}` }).click();
    await panel(page)
      .getByText(/^You may not file work items: it needs a token with the remediate scope \(403: /)
      .first()
      .waitFor();
    assert.ok(await panel(page).getByRole('button', { name: 'File the work item' }).isDisabled());
    assert.ok(!page.url().includes('token'), 'no token in the URL');
    assert.equal(rig.boards.items.size, 0);
    assert.equal(rig.standIn.requests.length, 0, 'the service did not ask Azure DevOps');
    await screenshot(page, 'remediation-refused-scope');
  });

  it('says clearly that Azure DevOps refused the configured PAT, and creates nothing', async () => {
    rig = await startRig('a-pat-azure-devops-refuses-0000');
    const page = await openTable(rig, FIX_TOKEN);
    await page.getByRole('button', { name: `Ask the owning team to fix ${WEB_IMAGE}` }).click();
    const refused = panel(page).locator('li.refused');
    await refused.waitFor();
    assert.match(
      (await refused.textContent()) ?? '',
      /refused the PAT of remediation\[0\].*"Work Items: Read & write".*nothing was filed \(502\)$/,
    );
    assert.ok(await panel(page).getByRole('button', { name: 'File the work item' }).isDisabled());
    assert.equal(rig.boards.items.size, 0);
    assert.equal(rig.standIn.requestsTo('workItemCreate').length, 0);
  });
});
