/**
 * The result graph as plain data: workload → image → run → source repository, and image →
 * registry. Cytoscape draws it (views/graph.ts); the page's list of edges and the tests read the
 * same elements. Pure.
 *
 * The graph draws one API page of rows, and at most `MAX_GRAPH_NODES` nodes of it: rows are taken
 * whole, in the page's order, until the next one would pass the cap (the first row always is, however
 * many runs pushed its image). The model says how many rows it holds, so that the view can say
 * "showing N of M"; the table lists them all.
 */
import { exposureSummary, imageName, runKey, runLabel } from './rows';
import type { ExposedRow, ImagePush } from './types';

export type NodeKind = 'workload' | 'image' | 'run' | 'repository' | 'registry';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** An image no run is known to have pushed. */
  unmapped?: boolean;
  digest?: string;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  /** For image → run: the push, shown when the edge is opened. */
  push?: ImagePush;
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Rows of the page drawn (`drawn`) out of the rows given (`total`). */
  rows: { drawn: number; total: number };
}

/**
 * The most nodes one graph draws: about 30 rows of a workload, an image and a run each, the column of
 * 30 fitting a tall canvas with its labels legible (views/graph.ts); a 50-row page of such rows is 150 nodes.
 */
export const MAX_GRAPH_NODES = 100;

/** The registry host of a reference (`contoso.azurecr.io/shop/web:1@sha256:…` → `contoso.azurecr.io`). */
export function registryOf(reference: string): string | null {
  const first = reference.split('/')[0] ?? '';
  return reference.includes('/') && /[.:]|^localhost$/.test(first) ? first : null;
}

/** The nodes and edges of one row, each once. */
function rowElements(row: ExposedRow): { nodes: Map<string, GraphNode>; edges: Map<string, GraphEdge> } {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const node = (n: GraphNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const edge = (e: Omit<GraphEdge, 'id'>) => {
    const id = `${e.source}->${e.target}`;
    if (!edges.has(id)) edges.set(id, { id, ...e });
  };
  const workload = node({
    id: `workload:${row.cluster}/${row.namespace}/${row.workloadKind}/${row.workloadName}`,
    kind: 'workload',
    label: `${row.workloadKind}/${row.workloadName}\n${row.cluster}/${row.namespace}`,
  });
  const unmapped = row.runs.length === 0;
  const image = node({
    id: `image:${row.digest}`,
    kind: 'image',
    label: `${imageName(row).replace(/@sha256:.*/, '')}${unmapped ? '\n(unmapped)' : ''}`,
    digest: row.digest,
    ...(unmapped ? { unmapped: true } : {}),
  });
  edge({ source: workload, target: image, label: exposureSummary(row) });
  const registry = registryOf(imageName(row));
  if (registry !== null)
    edge({ source: image, target: node({ id: `registry:${registry}`, kind: 'registry', label: registry }), label: 'stored in' });
  for (const push of row.runs) {
    const run = node({ id: `run:${runKey(push)}`, kind: 'run', label: runLabel(push) });
    edge({ source: image, target: run, label: 'pushed by', push });
    const repo = push.sourceRepository.url ?? push.sourceRepository.name;
    if (repo !== null) {
      const repository = node({ id: `repository:${repo}`, kind: 'repository', label: push.sourceRepository.name ?? repo });
      edge({ source: run, target: repository, label: push.branch ?? 'built from' });
    }
  }
  return { nodes, edges };
}

/**
 * Builds the graph of one page of rows, each node and edge once, with at most `maxNodes` nodes: whole
 * rows in order, the first always.
 */
export function buildGraph(items: readonly ExposedRow[], maxNodes = MAX_GRAPH_NODES): GraphModel {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  let drawn = 0;
  for (const row of items) {
    const more = rowElements(row);
    const added = [...more.nodes.keys()].filter((id) => !nodes.has(id)).length;
    if (drawn > 0 && nodes.size + added > maxNodes) break;
    for (const [id, n] of more.nodes) if (!nodes.has(id)) nodes.set(id, n);
    for (const [id, e] of more.edges) if (!edges.has(id)) edges.set(id, e);
    drawn++;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], rows: { drawn, total: items.length } };
}
