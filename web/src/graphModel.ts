/**
 * The result graph as plain data: workload → image → run → source repository, and image →
 * registry. Cytoscape draws it (views/graph.ts); the page's list of edges and the tests read the
 * same elements. Pure.
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
}

/** The registry host of a reference (`contoso.azurecr.io/shop/web:1@sha256:…` → `contoso.azurecr.io`). */
export function registryOf(reference: string): string | null {
  const first = reference.split('/')[0] ?? '';
  return reference.includes('/') && /[.:]|^localhost$/.test(first) ? first : null;
}

/** Builds the graph of one page of rows; each node and edge once. */
export function buildGraph(items: readonly ExposedRow[]): GraphModel {
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
  for (const row of items) {
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
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
