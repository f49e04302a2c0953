/**
 * The explorer: templates, the query builder and the results (table or graph). The query lives in
 * the URL (`#/explore?start=…&minSeverity=…`): running it changes the URL, and opening the URL runs it.
 */
import type { ApiClient } from '../api';
import { h, show, statusLine } from '../dom';
import { buildGraph } from '../graphModel';
import { MIN_SEVERITIES, queryToParams, STARTS, TEMPLATES, type ExplorerQuery, type ResultView } from '../query';
import { tableFor } from '../rows';
import type { ExposedPage } from '../types';
import { graphView } from './graph';
import { remediationPanel } from './remediation';
import { tableView } from './table';

/** Rows per page asked of the API. */
export const PAGE_SIZE = 50;

/** Conditions of the issue the API does not answer yet: shown, disabled, with the reason. */
const NOT_YET = ['Pushed by code repository', 'Organisation', 'Project', 'Time range'];

const explore = (query: ExplorerQuery) => `#/explore?${queryToParams(query).toString()}`;

function builder(query: ExplorerQuery): HTMLFormElement {
  const field = (label: string, control: HTMLElement, id: string) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
  const form = h(
    'form',
    { class: 'builder', 'aria-labelledby': 'builder-title' },
    h('h2', { id: 'builder-title' }, 'Query'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Start from'),
      ...STARTS.map((s) =>
        h(
          'label',
          { class: 'choice' },
          h('input', { type: 'radio', name: 'start', value: s.value, checked: s.value === query.start }),
          ` ${s.label}`,
        ),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Conditions'),
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'checkbox', name: 'exposed', checked: true, disabled: true, 'aria-describedby': 'exposed-note' }),
        ' Exposed to the internet',
      ),
      h('p', { class: 'note', id: 'exposed-note' }, 'Always on: the service answers for internet-exposed workloads.'),
      field(
        'Has vulnerabilities, minimum severity',
        h(
          'select',
          { id: 'minSeverity', name: 'minSeverity' },
          ...MIN_SEVERITIES.map((s) => h('option', { value: s, selected: s === query.minSeverity }, s)),
        ),
        'minSeverity',
      ),
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'checkbox', name: 'fixable', checked: query.fixable }),
        ' Fixable only (a fixed version is known)',
      ),
      field(
        'Cluster',
        h('input', { id: 'cluster', name: 'cluster', value: query.cluster, autocomplete: 'off', maxlength: '253' }),
        'cluster',
      ),
      field(
        'Namespace',
        h('input', { id: 'namespace', name: 'namespace', value: query.namespace, autocomplete: 'off', maxlength: '253' }),
        'namespace',
      ),
    ),
    h(
      'fieldset',
      { disabled: true, 'aria-describedby': 'not-yet-note' },
      h('legend', {}, 'Not available yet'),
      ...NOT_YET.map((name, i) => field(name, h('input', { id: `not-yet-${i}`, disabled: true }), `not-yet-${i}`)),
      h(
        'p',
        { class: 'note', id: 'not-yet-note' },
        'The service does not answer these conditions yet; they come with the next explorer routes.',
      ),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Run query'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next: ExplorerQuery = {
      start: (data.get('start') as ExplorerQuery['start'] | null) ?? query.start,
      minSeverity: (data.get('minSeverity') as ExplorerQuery['minSeverity'] | null) ?? query.minSeverity,
      fixable: data.get('fixable') !== null,
      cluster: String(data.get('cluster') ?? '').trim(),
      namespace: String(data.get('namespace') ?? '').trim(),
      view: query.view,
    };
    location.hash = explore(next);
  });
  return form;
}

/**
 * Renders the explorer into `main`; runs `query` when `run` (the URL held a query).
 * `onError` handles a failed call (a 401 returns to sign-in).
 */
export function explorerView(main: HTMLElement, api: ApiClient, query: ExplorerQuery, run: boolean, onError: (err: unknown) => void): void {
  const results = h('section', { class: 'results-section', 'aria-labelledby': 'results-title' });
  const templates = h(
    'nav',
    { class: 'templates', 'aria-labelledby': 'templates-title' },
    h('h2', { id: 'templates-title' }, 'Templates'),
    h('ul', {}, ...TEMPLATES.map((t) => h('li', {}, h('a', { href: explore(t.query), 'data-template': t.id }, t.title)))),
  );
  show(main, h('h1', {}, 'Explorer'), h('div', { class: 'explorer' }, h('div', { class: 'side' }, templates, builder(query)), results));
  if (!run) {
    show(results, h('h2', { id: 'results-title' }, 'Results'), statusLine('Pick a template or build a query, then run it.'));
    return;
  }

  const cursors: Array<string | null> = [null];
  let page: ExposedPage | null = null;
  const remediation = remediationPanel(api, query);
  let view: ResultView = query.view;

  const setView = (next: ResultView) => {
    view = next;
    // The view is part of the bookmark, but switching it must not ask the service again.
    history.replaceState(null, '', explore({ ...query, view }));
    render();
  };

  const render = () => {
    if (page === null) return;
    const index = cursors.length;
    const switcher = h(
      'div',
      { class: 'switch', role: 'group', 'aria-label': 'Show results as' },
      ...(['table', 'graph'] as const).map((v) =>
        h(
          'button',
          { type: 'button', 'aria-pressed': v === view ? 'true' : 'false', onclick: () => setView(v) },
          v === 'table' ? 'Table' : 'Graph',
        ),
      ),
    );
    const pager = h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', disabled: index <= 1, onclick: () => void load(cursors.length - 2) }, 'Previous page'),
      h('span', {}, ` Page ${index} `),
      h('button', { type: 'button', disabled: page.nextCursor === null, onclick: () => void load(cursors.length) }, 'Next page'),
    );
    const count = `${page.items.length} exposed workload${page.items.length === 1 ? '' : 's'} on this page`;
    const body =
      page.items.length === 0
        ? statusLine('Nothing matches this query.')
        : view === 'table'
          ? tableView(tableFor(query.start, page.items), `${count}, as ${query.start}`, `container-mapping-${query.start}.csv`, (rows) =>
              remediation.ask(rows),
            )
          : graphView(buildGraph(page.items));
    show(
      results,
      h('h2', { id: 'results-title', tabindex: '-1' }, 'Results'),
      statusLine(count),
      switcher,
      body,
      pager,
      view === 'table' ? remediation.element : null,
    );
  };

  /** Loads the page at position `at` of the cursor trail (0: the first page). */
  const load = async (at: number) => {
    show(results, h('h2', { id: 'results-title' }, 'Results'), statusLine('Loading…'));
    try {
      const cursor = at === 0 ? null : page?.nextCursor && at === cursors.length ? page.nextCursor : (cursors[at] ?? null);
      const next = await api.exposed(query, { limit: PAGE_SIZE, cursor });
      cursors.length = at;
      cursors.push(cursor);
      page = next;
      render();
    } catch (err) {
      onError(err);
      show(results, h('h2', { id: 'results-title' }, 'Results'), statusLine(err instanceof Error ? err.message : String(err), 'error'));
    }
  };
  void load(0);
}
