/**
 * The explorer: templates, the query builder and the results (table or graph). The query lives in
 * the URL (`#/explore?start=…&minSeverity=…`): running it changes the URL, and opening the URL runs it.
 */
import type { ApiClient } from '../api';
import { h, show, statusLine } from '../dom';
import { buildGraph } from '../graphModel';
import { dayOf, MIN_SEVERITIES, queryToParams, usesSourceRoute, STARTS, TEMPLATES, type ExplorerQuery, type ResultView } from '../query';
import { tableFor } from '../rows';
import { sourceTable } from '../sourceRows';
import type { ExposedPage, SourceImagePage } from '../types';
import { graphView } from './graph';
import { remediationPanel } from './remediation';
import { tableView } from './table';

/** Rows per page asked of the API. */
export const PAGE_SIZE = 50;

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
      { 'aria-describedby': 'pushed-by-note' },
      h('legend', {}, 'Pushed by'),
      field(
        'Pushed by code repository',
        h('input', { id: 'repository', name: 'repository', value: query.repository, autocomplete: 'off', maxlength: '2000' }),
        'repository',
      ),
      field(
        'Organisation',
        h('input', { id: 'organization', name: 'organization', value: query.organization, autocomplete: 'off', maxlength: '2000' }),
        'organization',
      ),
      field(
        'Project',
        h('input', { id: 'project', name: 'project', value: query.project, autocomplete: 'off', maxlength: '2000' }),
        'project',
      ),
      field('Pushed since (UTC day)', h('input', { id: 'since', name: 'since', type: 'date', value: query.since }), 'since'),
      field('Pushed until (UTC day)', h('input', { id: 'until', name: 'until', type: 'date', value: query.until }), 'until'),
      h(
        'p',
        { class: 'note', id: 'pushed-by-note' },
        'A row counts when one push of its image by a run of this repository, organisation and project falls in these days. Repository: URL, id or name; organisation: name or URL; project: id or name.',
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
      repository: String(data.get('repository') ?? '').trim(),
      organization: String(data.get('organization') ?? '').trim(),
      project: String(data.get('project') ?? '').trim(),
      since: dayOf(String(data.get('since') ?? '')),
      until: dayOf(String(data.get('until') ?? '')),
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
  /** Pipelines / repositories with a repository named ask the by-source route; every other query asks exposed. */
  const bySource = usesSourceRoute(query);
  let page: ExposedPage | SourceImagePage | null = null;
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
    const plural = page.items.length === 1 ? '' : 's';
    const count = bySource
      ? `${page.items.length} image${plural} built by ${query.repository} on this page`
      : `${page.items.length} exposed workload${plural} on this page`;
    const fileName = `container-mapping-${query.start}.csv`;
    let body: HTMLElement;
    if (page.items.length === 0) body = statusLine('Nothing matches this query.');
    else if (bySource) body = tableView(sourceTable((page as SourceImagePage).items), `${count}, as pipelines`, fileName);
    else if (view === 'table') {
      const table = tableFor(query.start, (page as ExposedPage).items);
      // Each repository of the regrouped rows opens its own by-source answer.
      for (const row of table.rows) if (row.source) row.links.repository = explore({ ...query, repository: row.source, view: 'table' });
      body = tableView(table, `${count}, as ${query.start}`, fileName, (rows) => remediation.ask(rows));
    } else body = graphView(buildGraph((page as ExposedPage).items));
    show(
      results,
      h('h2', { id: 'results-title', tabindex: '-1' }, 'Results'),
      statusLine(count),
      bySource
        ? h(
            'p',
            { class: 'note' },
            'Every image the repository built, wherever it runs, with its findings: severity, fixable, cluster and namespace do not narrow this starting point, and it has no graph.',
          )
        : switcher,
      body,
      pager,
      view === 'table' || bySource ? remediation.element : null,
    );
  };

  /** Loads the page at position `at` of the cursor trail (0: the first page). */
  const load = async (at: number) => {
    show(results, h('h2', { id: 'results-title' }, 'Results'), statusLine('Loading…'));
    try {
      const cursor = at === 0 ? null : page?.nextCursor && at === cursors.length ? page.nextCursor : (cursors[at] ?? null);
      const next = bySource
        ? await api.sources(query, { limit: PAGE_SIZE, cursor })
        : await api.exposed(query, { limit: PAGE_SIZE, cursor });
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
