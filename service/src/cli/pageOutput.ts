/**
 * What the explorer's paged commands (`query exposed`, `query source`) share: the `--limit` flag, and
 * how a page is written — a table, `--json` (a bare array of rows) or `--csv` on stdout, and where the
 * next page starts on stderr, so that a pipe gets only rows.
 */
import { UsageError, type CommandIo } from './command';

/** `--limit`: 1 to 500 rows, 50 when not given. @throws UsageError otherwise. */
export function limitOf(value: string | undefined): number {
  if (value === undefined) return 50;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 500)
    throw new UsageError('--limit must be a whole number from 1 to 500');
  return Number(value);
}

/** Writes one page of `lines` as `values` ask (`--json`, `--csv`, else the table). */
export function writePage<L>(
  io: CommandIo,
  values: { json?: boolean | undefined; csv?: boolean | undefined },
  lines: L[],
  nextCursor: string | null | undefined,
  format: { table(lines: L[]): string; csv(lines: L[]): string },
): void {
  if (values.json) io.out(JSON.stringify(lines, null, 2));
  else if (values.csv) io.out(format.csv(lines));
  else io.out(format.table(lines));
  if (nextCursor) io.err(`more: --cursor ${nextCursor}`);
}
