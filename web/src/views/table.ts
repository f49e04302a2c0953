/** The results as a table: sortable by any column (a button in each header), exportable as CSV. */
import { toCsv } from '../csv';
import { h } from '../dom';
import { sortRows, UNMAPPED, type Table } from '../rows';

/** Renders `table`; `fileName` names the CSV download. */
export function tableView(table: Table, caption: string, fileName: string): HTMLElement {
  let sort: { key: string; direction: 'ascending' | 'descending' } | null = null;
  const tbody = h('tbody');
  const headers = new Map<string, HTMLTableCellElement>();

  const currentRows = () => (sort ? sortRows(table.rows, sort.key, sort.direction) : table.rows);
  const renderBody = () => {
    tbody.replaceChildren(
      ...currentRows().map((row) =>
        h(
          'tr',
          {},
          ...table.columns.map((column) => {
            const value = row.cells[column.key] ?? '';
            const link = row.links[column.key];
            const content = link ? h('a', { href: link }, String(value)) : String(value);
            return h(
              'td',
              { class: [column.numeric ? 'num' : '', value === UNMAPPED ? 'unmapped' : ''].join(' ').trim() || undefined },
              content,
            );
          }),
        ),
      ),
    );
    for (const [key, th] of headers) th.setAttribute('aria-sort', sort?.key === key ? sort.direction : 'none');
  };

  const headerRow = h(
    'tr',
    {},
    ...table.columns.map((column) => {
      const th = h(
        'th',
        { scope: 'col', 'aria-sort': 'none' },
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            onclick: () => {
              sort = {
                key: column.key,
                direction: sort?.key === column.key && sort.direction === 'ascending' ? 'descending' : 'ascending',
              };
              renderBody();
            },
          },
          column.label,
        ),
      );
      headers.set(column.key, th);
      return th;
    }),
  );
  renderBody();

  const exportCsv = () => {
    const csv = toCsv(
      table.columns.map((c) => c.label),
      currentRows().map((row) => table.columns.map((c) => row.cells[c.key] ?? '')),
    );
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const link = h('a', { href: url, download: fileName, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return h(
    'div',
    { class: 'table-view' },
    h('button', { type: 'button', class: 'export', onclick: exportCsv }, 'Export these rows as CSV'),
    h('div', { class: 'scroll' }, h('table', { class: 'results' }, h('caption', {}, caption), h('thead', {}, headerRow), tbody)),
  );
}
