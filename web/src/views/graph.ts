/**
 * The results as a graph, drawn by Cytoscape.js with the dagre layered layout (left to right:
 * workload → image → run → repository). The canvas is not readable by a screen reader, so the
 * same edges are listed below it, each image → run edge with a "…" button that opens its details,
 * as a tap on the edge does.
 *
 * Once Cytoscape has laid the graph out and rendered it, the container gets `data-drawn="true"` and
 * dispatches a `graphdrawn` event (bubbling): the browser tests wait for it, and `npm run bench:explorer`
 * times the template query up to it. When the model holds fewer rows than the page (the node cap of
 * graphModel.ts), a note says how many are shown and that the table lists them all.
 */
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { h } from '../dom';
import { MAX_GRAPH_NODES, type GraphEdge, type GraphModel } from '../graphModel';
import { pushDetails } from './pushDetails';

cytoscape.use(dagre);

const KIND_COLOURS: Record<string, string> = {
  workload: '#1f5fa8',
  image: '#6b3fa0',
  run: '#0b7a4b',
  repository: '#7a4b0b',
  registry: '#555555',
};

/**
 * The canvas's height class (styles.css) for the most nodes of one kind, which dagre stacks in one column:
 * a taller canvas keeps the labels of a larger page legible, the page scrolls instead.
 */
export function heightClass(model: GraphModel): string {
  const perKind = new Map<string, number>();
  for (const n of model.nodes) perKind.set(n.kind, (perKind.get(n.kind) ?? 0) + 1);
  const tallest = Math.max(0, ...perKind.values());
  return tallest <= 8 ? 'graph' : tallest <= 20 ? 'graph graph-tall' : 'graph graph-taller';
}

/** Renders `model`; returns the element holding the canvas, the edge list and the details panel. */
export function graphView(model: GraphModel): HTMLElement {
  const container = h('div', {
    class: heightClass(model),
    role: 'img',
    'aria-label': `Graph of ${model.nodes.length} nodes and ${model.edges.length} edges; listed below`,
  });
  const details = h('section', { class: 'edge-details', 'aria-live': 'polite', 'aria-label': 'Edge details' });
  const labelOf = (id: string) => model.nodes.find((n) => n.id === id)?.label.replace(/\n/g, ' ') ?? id;

  const open = (edge: GraphEdge) => {
    if (!edge.push) return;
    details.replaceChildren(h('h3', { tabindex: '-1' }, `${labelOf(edge.source)} → ${labelOf(edge.target)}`), pushDetails(edge.push));
    (details.firstElementChild as HTMLElement).focus();
  };

  const edgeList = h(
    'ul',
    { class: 'edge-list', 'aria-label': 'Edges' },
    ...model.edges.map((edge) =>
      h(
        'li',
        { 'data-edge': edge.id },
        `${labelOf(edge.source)} → ${labelOf(edge.target)} (${edge.label}) `,
        edge.push
          ? h(
              'button',
              {
                type: 'button',
                class: 'more',
                'aria-label': `Details of ${labelOf(edge.source)} → ${labelOf(edge.target)}`,
                onclick: () => open(edge),
              },
              '…',
            )
          : null,
      ),
    ),
  );
  const nodeList = h(
    'ul',
    { class: 'node-list', 'aria-label': 'Nodes' },
    ...model.nodes.map((n) =>
      h('li', { 'data-kind': n.kind, class: n.unmapped ? 'unmapped' : undefined }, `${n.kind}: ${n.label.replace(/\n/g, ' ')}`),
    ),
  );

  // Drawn once the container is in the document and has a size.
  requestAnimationFrame(() => {
    performance.mark('graph:start');
    const cy = cytoscape({
      container,
      elements: [
        ...model.nodes.map((n) => ({
          group: 'nodes' as const,
          data: { id: n.id, label: n.label, kind: n.kind, unmapped: n.unmapped ? 'yes' : 'no' },
        })),
        ...model.edges.map((e) => ({
          group: 'edges' as const,
          data: { id: e.id, source: e.source, target: e.target, label: e.push ? `${e.label} …` : e.label },
        })),
      ],
      // Laid out below, once the listener that marks the graph drawn is in place.
      layout: { name: 'preset' },
      wheelSensitivity: 0.3,
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            'text-wrap': 'wrap',
            'text-valign': 'bottom',
            'text-max-width': '180px',
            'font-size': 11,
            width: 26,
            height: 26,
            'background-color': '#333333',
          },
        },
        // One selector per kind: cheaper for Cytoscape to apply than a function called per node.
        ...Object.entries(KIND_COLOURS).map(([kind, colour]) => ({
          selector: `node[kind = "${kind}"]`,
          style: { 'background-color': colour },
        })),
        {
          selector: 'node[unmapped = "yes"]',
          style: { 'border-width': 3, 'border-style': 'dashed', 'border-color': '#b00020', color: '#b00020' },
        },
        {
          selector: 'edge',
          style: {
            // At most one edge joins two nodes here: straight lines, the cheapest to draw.
            'curve-style': 'straight',
            'target-arrow-shape': 'triangle',
            width: 2,
            label: 'data(label)',
            'font-size': 9,
            'text-rotation': 'autorotate',
            'text-background-color': '#ffffff',
            'text-background-opacity': 1,
            // Zoomed out on a large page, an unreadable label is left out rather than smudged.
            'min-zoomed-font-size': 7,
          },
        },
      ],
    });
    cy.on('tap', 'edge', (event) => {
      const edge = model.edges.find((e) => e.id === (event.target as cytoscape.EdgeSingular).id());
      if (edge) open(edge);
    });
    const layout = cy.layout({ name: 'dagre', rankDir: 'LR', nodeSep: 40, rankSep: 170 } as cytoscape.LayoutOptions);
    // The first frame rendered after the layout is the drawn graph.
    layout.one('layoutstop', () => {
      performance.mark('graph:laid-out');
      cy.one('render', () => {
        performance.mark('graph:drawn');
        container.dataset.drawn = 'true';
        container.dispatchEvent(new CustomEvent('graphdrawn', { bubbles: true }));
      });
    });
    performance.mark('graph:created');
    layout.run();
  });

  const { drawn, total } = model.rows;
  const capped =
    drawn < total
      ? h(
          'p',
          { class: 'note graph-cap' },
          `Showing ${drawn} of the ${total} rows of this page: the graph draws at most ${MAX_GRAPH_NODES} nodes. The table lists them all.`,
        )
      : null;

  return h(
    'div',
    { class: 'graph-view' },
    capped,
    container,
    details,
    h('details', { open: true }, h('summary', {}, 'The graph as a list'), h('h3', {}, 'Edges'), edgeList, h('h3', {}, 'Nodes'), nodeList),
  );
}
