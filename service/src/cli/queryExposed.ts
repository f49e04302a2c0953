/**
 * `container-mapping query exposed --min-severity <s> [--cluster C] [--namespace N] [--fixable]
 * [--repository R] [--organization O] [--project P] [--since ISO] [--until ISO]` (the last five:
 * the page's "Pushed by" conditions) and `query coverage [--cluster C]`: the explorer's questions, asked of a running service
 * (`--url`/`CM_URL`, `--token`/`CM_TOKEN`) or, with `--database`, of the store directly.
 * Output: a table, `--json` (a bare array of rows) or `--csv`; coverage lists the unmapped digests too.
 */
import { parseArgs } from 'node:util';
import { MINIMUM_SEVERITIES } from '../explorer/vulnerabilities/count';
import type { Severity } from '../explorer/vulnerabilities/severity';
import type { CoverageRow, ExposedFilter, ExposedPage } from '../store/explorer';
import type { SourceFilter } from '../store/explorerSource';
import { openStore } from '../store/openStore';
import type { Store } from '../store/store';
import { UsageError, type CommandIo } from './command';
import { limitOf, writePage } from './pageOutput';
import { pushTimeFlags } from './pushTimeFlags';
import { formatCoverageCsv, formatCoverageWithUnmapped } from './coverageRows';
import { formatExposed, formatExposedCsv, toExposedLines } from './exposedRows';
import { fetchJson } from './serviceClient';

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  database: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  'min-severity': { type: 'string' },
  cluster: { type: 'string' },
  namespace: { type: 'string' },
  fixable: { type: 'boolean' },
  repository: { type: 'string' },
  organization: { type: 'string' },
  project: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
} as const;

async function withStore<T>(url: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function minSeverityOf(value: string | undefined): Severity {
  const found = MINIMUM_SEVERITIES.find((s) => s === value?.toLowerCase());
  if (!found) throw new UsageError(`query exposed needs --min-severity ${MINIMUM_SEVERITIES.join('|')}`);
  return found;
}

/** The "pushed by" flags given, as the route's query parameters (the service checks them again). */
function pushedByQuery(
  values: Partial<Record<'repository' | 'organization' | 'project' | 'since' | 'until', string>>,
): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of ['repository', 'organization', 'project', 'since', 'until'] as const) {
    const value = values[key];
    if (value !== undefined) query[key] = value;
  }
  return query;
}

/** Runs `query exposed` or `query coverage` with the arguments after the subcommand; resolves to the exit code. */
export async function runExplorerQuery(what: 'exposed' | 'coverage', args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`query ${what} takes no arguments, only options`);
  if (values.json && values.csv) throw new UsageError('choose one of --json and --csv');
  const cluster: Record<string, string> = values.cluster !== undefined ? { cluster: values.cluster } : {};

  if (what === 'coverage') {
    const rows =
      values.database !== undefined
        ? await withStore(values.database, (store) => store.coverage({ ...cluster, unmapped: true }))
        : ((await fetchJson(values, io, '/api/v1/coverage', { ...cluster, unmapped: 'true' })) as CoverageRow[]);
    if (values.json) io.out(JSON.stringify(rows, null, 2));
    else if (values.csv) io.out(formatCoverageCsv(rows));
    else io.out(formatCoverageWithUnmapped(rows));
    return 0;
  }

  // "Pushed by": the source repository, organisation, project and push days, as GET /api/v1/exposed takes them.
  const pushedBy: SourceFilter = {
    ...(values.repository !== undefined ? { repository: values.repository } : {}),
    ...(values.organization !== undefined ? { organization: values.organization } : {}),
    ...(values.project !== undefined ? { project: values.project } : {}),
    ...pushTimeFlags(values.since, values.until),
  };
  const filter: ExposedFilter = {
    minSeverity: minSeverityOf(values['min-severity']),
    ...cluster,
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    ...(values.fixable ? { fixableOnly: true } : {}),
    ...(Object.keys(pushedBy).length > 0 ? { pushedBy } : {}),
  };
  const limit = limitOf(values.limit);
  const cursor: Record<string, string> = values.cursor !== undefined ? { cursor: values.cursor } : {};
  const page =
    values.database !== undefined
      ? await withStore(values.database, (store) => store.listExposed(filter, { limit, ...cursor }))
      : ((await fetchJson(values, io, '/api/v1/exposed', {
          minSeverity: filter.minSeverity,
          ...cluster,
          ...(filter.namespace !== undefined ? { namespace: filter.namespace } : {}),
          ...(filter.fixableOnly ? { fixable: 'true' } : {}),
          ...pushedByQuery(values),
          limit: String(limit),
          ...cursor,
        })) as ExposedPage);
  const lines = toExposedLines(page.items);
  writePage(io, values, lines, page.nextCursor, { table: formatExposed, csv: formatExposedCsv });
  return 0;
}
