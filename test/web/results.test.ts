/**
 * The table rows and the graph the page builds from a real `GET /api/v1/exposed` answer (the
 * explorer seed through the whole app): web/src/rows.ts and web/src/graphModel.ts.
 */
import assert from 'node:assert/strict';
import { buildGraph, registryOf } from '../../web/src/graphModel';
import { sortRows, tableFor } from '../../web/src/rows';
import type { ExposedPage } from '../../web/src/types';
import { SQLITE } from '../service/support/stores';
import { startTestService } from '../service/support/app';
import { API, WEB, seedExplorer } from '../service/support/explorerSeed';

describe('Results of the explorer page from a real answer', () => {
  let page: ExposedPage;
  before(async () => {
    const svc = await startTestService(SQLITE);
    try {
      await seedExplorer(svc.app.store);
      const got = await svc.read('/api/v1/exposed?minSeverity=high');
      assert.equal(got.statusCode, 200, got.body);
      page = got.json<ExposedPage>();
    } finally {
      await svc.close();
    }
  });

  it('lists one row per workload, the unmapped image saying so', () => {
    const table = tableFor('workloads', page.items);
    assert.deepEqual(
      table.rows.map((r) => [r.cells.workload, r.cells.digest, r.cells.runs]),
      [
        ['Deployment/api', API, 'unmapped'],
        ['Deployment/web', WEB, 'web-api CI #13 (20260301.2); web-api CI #12 (20260301.1)'],
      ],
    );
    assert.equal(table.rows[0]?.links.runs, undefined, 'an unmapped image links to no run');
    assert.equal(table.rows[1]?.links.image, `#/images/${encodeURIComponent(WEB)}`);
  });

  it('lists one row per run when starting from pipelines, and the unmapped image as its own row', () => {
    const table = tableFor('pipelines', page.items);
    assert.deepEqual(
      table.rows.map((r) => [r.cells.pipeline, r.cells.branch, r.cells.workloads]),
      [
        ['unmapped', '', 'prod/shop/Deployment/api'],
        ['web-api CI #13 (20260301.2)', 'refs/heads/main', 'prod/shop/Deployment/web'],
        ['web-api CI #12 (20260301.1)', 'refs/heads/main', 'prod/shop/Deployment/web'],
      ],
    );
  });

  it('sorts numbers as numbers and keeps the order of equal rows', () => {
    const rows = tableFor('workloads', page.items).rows;
    assert.deepEqual(
      sortRows(rows, 'critical', 'descending').map((r) => r.cells.workload),
      ['Deployment/web', 'Deployment/api'],
    );
    assert.deepEqual(
      sortRows(rows, 'high', 'ascending').map((r) => r.cells.workload),
      ['Deployment/api', 'Deployment/web'],
    );
  });

  it('draws workload → image → run → repository, image → registry, each node once, the push on image → run edges', () => {
    const graph = buildGraph(page.items);
    const kinds = graph.nodes.map((n) => n.kind).sort();
    assert.deepEqual(kinds, ['image', 'image', 'registry', 'repository', 'run', 'run', 'workload', 'workload']);
    assert.deepEqual(
      graph.nodes.filter((n) => n.unmapped).map((n) => n.digest),
      [API],
    );
    const pushEdges = graph.edges.filter((e) => e.push);
    assert.deepEqual(
      pushEdges.map((e) => [e.source, e.push?.run.id]),
      [
        [`image:${WEB}`, 13],
        [`image:${WEB}`, 12],
      ],
    );
    for (const edge of graph.edges) {
      assert.ok(graph.nodes.some((n) => n.id === edge.source) && graph.nodes.some((n) => n.id === edge.target), edge.id);
    }
  });

  it('reads the registry host of a reference, and none from a Docker Hub short name', () => {
    assert.equal(registryOf('contoso.azurecr.io/shop/web:1@sha256:ab'), 'contoso.azurecr.io');
    assert.equal(registryOf('127.0.0.1:5000/team/web-api:1.0.0'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/x'), 'localhost');
    assert.equal(registryOf('library/nginx:1'), null);
    assert.equal(registryOf('nginx'), null);
  });
});
