/**
 * The results as a table: sortable by any column (a button in each header), exportable as CSV.
 * With `onAsk`, rows about one image get a checkbox and an "Ask the owning team to fix" button
 * (an unmapped image's row says it has no owner instead).
 */
import { toCsv } from '../csv';
import { h } from '../dom';
import { NO_OWNER } from '../remediation';
import { sortRows, UNMAPPED, type Table, type TableRow } from '../rows';

/** Renders `table`; `fileName` names the CSV download; `onAsk` hands rows to the remediation panel. */
export function tableView(table: Table, caption: string, fileName: string, onAsk?: (rows: TableRow[]) => void): HTMLElement {
  let sort: { key: string; direction: 'ascending' | 'descending' } | null = null;
  const tbody = h('tbody');
  const headers = new Map<string, HTMLTableCellElement>();
  const actionable = onAsk !== undefined && table.rows.some((row) => row.image !== undefined);
  const selected = new Set<string>();
  const askSelected = h(
    'button',
    {
      type: 'button',
      class: 'ask-selected',
      disabled: true,
      onclick: () => onAsk?.(table.rows.filter((row) => selected.has(row.id))),
    },
    'Ask the owning team to fix the selected rows',
  );
  const updateSelection = () => {
    askSelected.disabled = selected.size === 0;
    askSelected.textContent = `Ask the owning team to fix the selected rows (${selected.size})`;
  };
  /** The row's last cell: a checkbox and a button, or why there is nothing to file. */
  const actionCell = (row: TableRow): HTMLTableCellElement | null => {
    if (!actionable) return null;
    const image = row.image;
    if (image === undefined) return h('td');
    if (!image.mapped) return h('td', { class: 'no-owner' }, NO_OWNER);
    const box = h('input', {
      type: 'checkbox',
      checked: selected.has(row.id),
      'aria-label': `Select ${image.name} (${row.id})`,
      onchange: (event) => {
        if ((event.target as HTMLInputElement).checked) selected.add(row.id);
        else selected.delete(row.id);
        updateSelection();
      },
    });
    const ask = h(
      'button',
      { type: 'button', class: 'ask', 'aria-label': `Ask the owning team to fix ${image.name}`, onclick: () => onAsk?.([row]) },
      'Ask the owning team to fix',
    );
    return h('td', { class: 'owner-actions' }, box, ' ', ask);
  };

  const currentRows = () => (sort ? sortRows(table.rows, sort.key, sort.direction) : table.rows);
  const renderBody = () => {
    tbody.replaceChildren(
      ...currentRows().map((row) => {
        return h(
          'tr',
          {},
          ...table.columns.map((column) => {
            const value = row.cells[column.key] ?? '';
            const link = row.links[column.key];
            const content = link ? h('a', { href: link }, String(value)) : String(value);
            return h(
              'td',
              { class: [`col-${column.key}`, column.numeric ? 'num' : '', value === UNMAPPED ? 'unmapped' : ''].join(' ').trim() },
              content,
            );
          }),
          actionCell(row),
        );
      }),
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
    actionable ? h('th', { scope: 'col' }, 'Owning team') : null,
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
    h(
      'div',
      { class: 'table-actions' },
      h('button', { type: 'button', class: 'export', onclick: exportCsv }, 'Export these rows as CSV'),
      actionable ? askSelected : null,
    ),
    h('div', { class: 'scroll' }, h('table', { class: 'results' }, h('caption', {}, caption), h('thead', {}, headerRow), tbody)),
  );
}
