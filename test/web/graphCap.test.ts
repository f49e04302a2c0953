/**
 * How much of a page the result graph draws (web/src/graphModel.ts): whole rows, in order, up to
 * MAX_GRAPH_NODES nodes, saying how many rows it holds. The rows are copies of a real
 * `GET /api/v1/exposed` row (the explorer seed through the whole app), renamed.
 */
import assert from 'node:assert/strict';
import { buildGraph, MAX_GRAPH_NODES } from '../../web/src/graphModel';
import type { ExposedPage, ExposedRow } from '../../web/src/types';
import { SQLITE } from '../service/support/stores';
import { startTestService } from '../service/support/app';
import { WEB, seedExplorer } from '../service/support/explorerSeed';

/** Row `i`: another workload running another image; `ownRuns` gives it runs of its own (else it shares web's two). */
function copyOf(row: ExposedRow, i: number, ownRuns: boolean): ExposedRow {
  return {
    ...row,
    workloadName: `web-${i}`,
    digest: `sha256:${(i + 1).toString(16).padStart(64, '0')}`,
    runs: ownRuns ? row.runs.map((push, k) => ({ ...push, run: { ...push.run, id: 1000 + 2 * i + k } })) : row.runs,
  };
}

describe('The result graph of a large page', () => {
  let web: ExposedRow;
  before(async () => {
    const svc = await startTestService(SQLITE);
    try {
      await seedExplorer(svc.app.store);
      const got = await svc.read('/api/v1/exposed?minSeverity=high');
      assert.equal(got.statusCode, 200, got.body);
      const row = got.json<ExposedPage>().items.find((r) => r.digest === WEB);
      assert.ok(row, 'the seed answers the web row');
      assert.equal(row.runs.length, 2, 'pushed by runs 12 and 13');
      web = row;
    } finally {
      await svc.close();
    }
  });

  it('draws every row while the nodes fit, counting the runs, repository and registry the rows share once', () => {
    // Each row adds its workload and its image; the first also runs 12 and 13, the repository and the registry.
    const fit = Math.floor((MAX_GRAPH_NODES - 4) / 2);
    const items = Array.from({ length: fit + 1 }, (_, i) => copyOf(web, i, false));
    const all = buildGraph(items.slice(0, fit));
    assert.deepEqual(all.rows, { drawn: fit, total: fit });
    assert.equal(all.nodes.length, 2 * fit + 4);
    const oneMore = buildGraph(items);
    assert.deepEqual(oneMore.rows, { drawn: fit, total: fit + 1 }, 'the row past the cap is left out');
  });

  it('stops at the first row that would pass the cap, keeping whole rows, and says how many it drew', () => {
    // Each row has runs of its own: the first adds 6 nodes (with the registry and the repository), each next one 4.
    const items = Array.from({ length: 50 }, (_, i) => copyOf(web, i, true));
    const graph = buildGraph(items);
    const fit = 1 + Math.floor((MAX_GRAPH_NODES - 6) / 4);
    assert.deepEqual(graph.rows, { drawn: fit, total: 50 });
    assert.equal(graph.nodes.length, 6 + 4 * (fit - 1));
    assert.ok(graph.nodes.length <= MAX_GRAPH_NODES);
    const workloads = graph.nodes.filter((n) => n.kind === 'workload').map((n) => n.label.split('\n')[0]);
    assert.deepEqual(
      workloads,
      items.slice(0, fit).map((r) => `Deployment/${r.workloadName}`),
      'the first rows, in order',
    );
    assert.equal(graph.edges.filter((e) => e.push).length, 2 * fit, 'every run of a drawn row');
    for (const edge of graph.edges) {
      assert.ok(graph.nodes.some((n) => n.id === edge.source) && graph.nodes.some((n) => n.id === edge.target), edge.id);
    }
  });

  it('still draws a row whose nodes are all drawn already, and always the first row, however large', () => {
    const first = copyOf(web, 0, true);
    const again = { ...first };
    const capped = buildGraph([first, copyOf(web, 1, true), again], 6);
    assert.deepEqual(capped.rows, { drawn: 1, total: 3 }, 'the second row would pass 6 nodes: drawing stops there');
    const tiny = buildGraph([first], 2);
    assert.deepEqual(tiny.rows, { drawn: 1, total: 1 });
    assert.equal(tiny.nodes.length, 6, 'the first row whole, past the cap');
    const repeated = buildGraph([first, again], 6);
    assert.deepEqual(repeated.rows, { drawn: 2, total: 2 }, 'a row adding no node fits at the cap');
  });
});
