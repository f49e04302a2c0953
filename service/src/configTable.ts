/**
 * The configuration table of service/README.md, written from the settings' schema, so that the
 * README cannot name a variable or flag the service does not read. `npm run docs:config` writes
 * it; a test fails when the README's copy differs.
 */
import { DEFAULT_CONFIG, SETTINGS, type Setting } from './config';

/** The lines around the generated table in the README. */
export const TABLE_START = '<!-- config-table:start (written by `npm run docs:config` from service/src/config.ts; edit there) -->';
export const TABLE_END = '<!-- config-table:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (text: string) => `\`${text}\``;

function defaultOf(s: Setting): string {
  const value = DEFAULT_CONFIG[s.key];
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

/** The Markdown table: one row per setting, with its flag, environment variable, default and meaning. */
export function configTable(): string {
  const rows = SETTINGS.map((s) =>
    [
      code(s.key),
      s.flag === undefined ? '—' : code(s.flag),
      s.env === undefined ? '— (config file only)' : `${code(s.env)}${s.kind === 'json' ? ' (JSON)' : ''}`,
      defaultOf(s),
      cell(s.description ?? ''),
    ].join(' | '),
  );
  return ['| setting | flag | env | default | what |', '| --- | --- | --- | --- | --- |', ...rows.map((r) => `| ${r} |`)].join('\n');
}

/**
 * `readme` with the text between the table markers replaced by the current table.
 * @throws Error when the markers are missing.
 */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`the README has no ${TABLE_START} … ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`;
}
