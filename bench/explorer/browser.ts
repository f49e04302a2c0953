/**
 * `bench:explorer`'s browser figures: the explorer page in headless Chromium (Debian's, through playwright-core,
 * as the browser tests drive it) against `serve` on SQLite, read-open, seeded through its real routes so that
 * the template query answers `rows` rows (test/web/support/largeResult.ts: 1,000 exposed workloads, each with
 * its own image and a high finding, three in four mapped to a run of their own).
 *
 * Each measurement opens a fresh tab at `#/explore` (no query yet), then, inside the page, notes
 * `performance.now()` and submits a query as the page does (the template link sets the URL's hash; so does
 * the builder's Run button), and stops the clock at:
 * - baseline: a query with an empty answer (a cluster no snapshot has), rendered as "Nothing matches";
 * - table: the template query as a table, at the first page's rows in the DOM, then the next frame;
 * - graph: a click on the template (a graph), at the graph's `graphdrawn` event (Cytoscape's layoutstop,
 *   then its next render; web/src/views/graph.ts).
 * The first round is a warm-up, not counted; medians of `runs` rounds, and each median over the baseline's.
 */
import { launchBrowser } from '../../test/web/support/browser';
import { startLargeResultService } from '../../test/web/support/largeResult';
import { queryToParams, TEMPLATES } from '../../web/src/query';
import { percentiles } from './http';

/** Targets of issue 11: first table page ≤ 1 s, drawn graph ≤ 2 s. */
export const BROWSER_TARGETS = { tableMs: 1000, graphMs: 2000 };

/** One measured step: its median and every counted run (ms). */
export interface Timing {
  medianMs: number;
  runsMs: number[];
}

/** The browser figures. */
export interface BrowserResult {
  rows: number;
  seedSeconds: number;
  runs: number;
  baseline: Timing;
  table: Timing & { ratio: number; rowsShown: number };
  graph: Timing & { ratio: number; nodes: number; rowsDrawn: string; phasesMedianMs: Record<string, number> };
}

/** The graph's phases, between its performance marks (and the query's submission). */
const PHASES: ReadonlyArray<[string, string | null, string]> = [
  ['request and DOM', null, 'graph:start'],
  ['Cytoscape created', 'graph:start', 'graph:created'],
  ['dagre layout', 'graph:created', 'graph:laid-out'],
  ['first render', 'graph:laid-out', 'graph:drawn'],
];

/** What the page did once the clock stopped. */
interface Measured {
  ms: number;
  rowsShown: number;
  nodes: number;
  capNote: string;
  /** The graph's performance marks (web/src/views/graph.ts), ms after the query was submitted. */
  marks: Record<string, number>;
}

const EMPTY_QUERY = '#/explore?start=workloads&minSeverity=high&cluster=no-such-cluster&view=table';

/**
 * The function evaluated in the page: submits `action` (a hash to set, or the template link to click) and
 * resolves when `until` holds (checked after each DOM change), one frame later.
 */
const IN_PAGE = `async ({ hash, click, until }) => {
  const done = {
    empty: () => [...document.querySelectorAll('.results-section p')].some((p) => /Nothing matches/.test(p.textContent ?? '')),
    table: () => document.querySelector('table.results tbody tr') !== null,
  }[until];
  const finish = (resolve, t0) => requestAnimationFrame(() => setTimeout(() => resolve({
    ms: performance.now() - t0,
    rowsShown: document.querySelectorAll('table.results tbody tr').length,
    nodes: document.querySelectorAll('.node-list li').length,
    capNote: document.querySelector('.graph-cap')?.textContent ?? '',
    marks: Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('graph:')).map((m) => [m.name, m.startTime - t0])),
  }), 0));
  return await new Promise((resolve) => {
    let t0 = 0;
    if (until === 'graph') document.addEventListener('graphdrawn', () => finish(resolve, t0), { once: true });
    else {
      const observer = new MutationObserver(() => {
        if (done()) {
          observer.disconnect();
          finish(resolve, t0);
        }
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    }
    t0 = performance.now();
    if (click) document.querySelector(click).click();
    else location.hash = hash;
  });
}`;

const median = (xs: number[]) => percentiles(xs).p50;

/** Seeds a service with `rows` rows, measures `runs` rounds (after a warm-up), stops everything. */
export async function benchBrowser(rows: number, runs: number, log: (line: string) => void): Promise<BrowserResult> {
  const template = TEMPLATES[0];
  if (!template) throw new Error('the page has no template');
  const tableHash = `#/explore?${queryToParams({ ...template.query, view: 'table' }).toString()}`;
  const seeding = Date.now();
  const service = await startLargeResultService(rows, { readOpen: true });
  const seedSeconds = (Date.now() - seeding) / 1000;
  log(`browser: seeded ${service.rows} rows through the routes in ${seedSeconds.toFixed(0)} s`);
  const chromium = await launchBrowser();
  try {
    const measure = async (args: { hash?: string; click?: string; until: 'empty' | 'table' | 'graph' }): Promise<Measured> => {
      const page = await chromium.context.newPage();
      try {
        await page.goto(`${service.url}/#/explore`);
        await page.locator('a[data-template]').first().waitFor();
        return (await page.evaluate(`(${IN_PAGE})(${JSON.stringify({ hash: null, click: null, ...args })})`)) as Measured;
      } finally {
        await page.close();
      }
    };
    const all = { baseline: [] as Measured[], table: [] as Measured[], graph: [] as Measured[] };
    for (let round = 0; round <= runs; round++) {
      const baseline = await measure({ hash: EMPTY_QUERY, until: 'empty' });
      const table = await measure({ hash: tableHash, until: 'table' });
      const graph = await measure({ click: `a[data-template="${template.id}"]`, until: 'graph' });
      if (round === 0) continue;
      all.baseline.push(baseline);
      all.table.push(table);
      all.graph.push(graph);
      log(`browser: round ${round}: empty ${baseline.ms.toFixed(0)} ms, table ${table.ms.toFixed(0)} ms, graph ${graph.ms.toFixed(0)} ms`);
    }
    const timing = (ms: Measured[]): Timing => ({ medianMs: median(ms.map((m) => m.ms)), runsMs: ms.map((m) => Math.round(m.ms)) });
    const baseline = timing(all.baseline);
    const table = timing(all.table);
    const graph = timing(all.graph);
    const last = all.graph[all.graph.length - 1];
    return {
      rows: service.rows,
      seedSeconds,
      runs,
      baseline,
      table: { ...table, ratio: table.medianMs / baseline.medianMs, rowsShown: all.table[0]?.rowsShown ?? 0 },
      graph: {
        ...graph,
        ratio: graph.medianMs / baseline.medianMs,
        nodes: last?.nodes ?? 0,
        rowsDrawn: last?.capNote || 'every row of the page',
        phasesMedianMs: Object.fromEntries(
          PHASES.map(([name, from, to]) => [
            name,
            median(all.graph.map((m) => (m.marks[to] ?? NaN) - (from === null ? 0 : (m.marks[from] ?? NaN)))),
          ]),
        ),
      },
    };
  } finally {
    await chromium.close();
    await service.stop();
  }
}
