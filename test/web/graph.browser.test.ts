/**
 * The result graph in Chromium (web/src/views/graph.ts): it says when it is drawn, and a page with
 * more nodes than the graph draws is shown in part, saying so, while the table lists every row.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { MAX_GRAPH_NODES } from '../../web/src/graphModel';
import { launchBrowser, screenshot, type TestBrowser } from './support/browser';
import { startLargeResultService, type LargeResultService } from './support/largeResult';
import { startSeededService, type SeededService } from './support/seededService';

const TEMPLATE = '#/explore?start=workloads&minSeverity=high&view=graph';

describe('The result graph in Chromium', function () {
  this.timeout(180_000);
  let chromium: TestBrowser;
  let small: SeededService;
  let large: LargeResultService;
  let page: Page;
  before(async () => {
    chromium = await launchBrowser();
    small = await startSeededService({ readOpen: true });
    // More rows than a page, each with a workload, an image and mostly a run of its own: more nodes than the cap.
    large = await startLargeResultService(120, { readOpen: true });
  });
  after(async () => {
    await large?.stop();
    await small?.stop();
    await chromium?.close();
  });
  beforeEach(async () => {
    page = await chromium.context.newPage();
  });
  afterEach(async () => {
    await page.close();
  });

  it('marks the graph drawn and dispatches graphdrawn once Cytoscape has laid it out and rendered it', async () => {
    await page.goto(`${small.url}/#/explore`);
    await page.getByRole('link', { name: /^Internet-exposed workloads running images/ }).waitFor();
    // Listens before the query runs, so the event cannot pass unseen.
    await page.evaluate(`window.__drawn = 0; document.addEventListener('graphdrawn', () => window.__drawn++)`);
    await page.getByRole('link', { name: /^Internet-exposed workloads running images/ }).click();
    await page.locator('.graph[data-drawn="true"]').waitFor();
    assert.equal(await page.evaluate('window.__drawn'), 1, 'one graphdrawn event');
    const positions = (await page.evaluate(`[...document.querySelectorAll('.graph canvas')].map((c) => c.width * c.height)`)) as number[];
    assert.ok(
      positions.some((area) => area > 0),
      'its canvases have a size',
    );
    assert.equal(await page.locator('.graph-cap').count(), 0, 'two rows: no cap note');
  });

  it(`draws whole rows up to ${MAX_GRAPH_NODES} nodes of a large page, says how many, and the table lists them all`, async () => {
    await page.goto(`${large.url}/${TEMPLATE}`);
    await page.locator('.graph[data-drawn="true"]').waitFor();
    const note = (await page.locator('.graph-cap').textContent()) ?? '';
    const shown = /^Showing (\d+) of the (\d+) rows of this page: the graph draws at most (\d+) nodes\. The table lists them all\.$/.exec(
      note,
    );
    assert.ok(shown, `the cap note: ${note}`);
    const [drawn, total, cap] = shown.slice(1).map(Number) as [number, number, number];
    assert.equal(cap, MAX_GRAPH_NODES);
    assert.ok(drawn > 0 && drawn < total, `${drawn} of ${total}`);
    const nodes = await page.locator('.node-list li').allTextContents();
    assert.ok(nodes.length <= MAX_GRAPH_NODES, `${nodes.length} nodes`);
    assert.equal(nodes.filter((n) => n.startsWith('workload:')).length, drawn, 'a workload per drawn row');
    assert.equal(
      await page.evaluate(`document.querySelector('.graph').getAttribute('aria-label')`),
      `Graph of ${nodes.length} nodes and ${await page.locator('.edge-list li').count()} edges; listed below`,
    );
    await screenshot(page, 'explorer-graph-capped');

    await page.getByRole('button', { name: 'Table' }).click();
    await page.locator('table.results tbody tr').first().waitFor();
    assert.equal(await page.locator('table.results tbody tr').count(), total, 'the table lists every row of the page');
  });
});
