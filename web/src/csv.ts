/** CSV text (RFC 4180) from table rows, built in the browser from the rows on screen. Pure. */

/** A cell as CSV: quoted when it holds a comma, quote or line break; a leading formula sign is defused. */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  let text = value;
  // A spreadsheet would run a cell that starts with = + - @ as a formula (CSV injection).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole document: a header line, then one line per row, CRLF-separated. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
