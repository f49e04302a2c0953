/**
 * `container-mapping query source --repository <url|id|name> | --pipeline <definitionId>
 * [--project P] [--organization O] [--hub build|release] [--since ISO] [--until ISO]`: the remediation owner's view — the
 * images a source built, where each runs, and its findings — asked of a running service
 * (`--url`/`CM_URL`, `--token`/`CM_TOKEN`) or, with `--database`, of the store directly.
 * Output: a table, `--json` (a bare array of flat rows) or `--csv`.
 */
import { parseArgs } from 'node:util';
import type { SourceFilter, SourceImagePage } from '../store/explorerSource';
import { openStore } from '../store/openStore';
import { EVERY_RUN } from '../store/readScope';
import { UsageError, type CommandIo } from './command';
import { limitOf, writePage } from './pageOutput';
import { pushTimeFlags } from './pushTimeFlags';
import { fetchJson } from './serviceClient';
import { formatSource, formatSourceCsv, toSourceLines } from './sourceRows';

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  database: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  repository: { type: 'string' },
  pipeline: { type: 'string' },
  hub: { type: 'string' },
  project: { type: 'string' },
  organization: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
} as const;

/** The filter the flags name. @throws UsageError when they name no source, or a malformed one. */
function filterOf(values: {
  repository?: string;
  pipeline?: string;
  hub?: string;
  project?: string;
  organization?: string;
  since?: string;
  until?: string;
}): SourceFilter {
  if (values.repository === undefined && values.pipeline === undefined) {
    throw new UsageError('query source needs --repository <url|id|name> or --pipeline <definitionId>');
  }
  if (values.pipeline !== undefined && !/^\d{1,10}$/.test(values.pipeline))
    throw new UsageError('--pipeline must be a pipeline (definition) id');
  if (values.hub !== undefined && values.hub !== 'build' && values.hub !== 'release')
    throw new UsageError('--hub must be build or release');
  if (values.hub !== undefined && values.pipeline === undefined) throw new UsageError('--hub applies to --pipeline');
  return {
    ...(values.repository !== undefined ? { repository: values.repository } : {}),
    ...(values.pipeline !== undefined
      ? { definitionId: Number(values.pipeline), hub: values.hub === 'release' ? 'release' : 'build' }
      : {}),
    ...(values.project !== undefined ? { project: values.project } : {}),
    ...(values.organization !== undefined ? { organization: values.organization } : {}),
    ...pushTimeFlags(values.since, values.until),
  };
}

/** Runs `query source` with the arguments after the subcommand; resolves to the exit code. */
export async function runSourceQuery(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError('query source takes no arguments, only options');
  if (values.json && values.csv) throw new UsageError('choose one of --json and --csv');
  const filter = filterOf(values);
  const limit = limitOf(values.limit);
  const cursor: Record<string, string> = values.cursor !== undefined ? { cursor: values.cursor } : {};
  let page: SourceImagePage;
  if (values.database !== undefined) {
    const store = await openStore(values.database);
    try {
      // The store read directly holds every organisation's runs: whoever can open it sees them all.
      page = await store.listBySource(filter, { limit, ...cursor }, EVERY_RUN);
    } finally {
      await store.close();
    }
  } else {
    const query: Record<string, string> = { limit: String(limit), ...cursor };
    if (filter.repository !== undefined) query.repository = filter.repository;
    if (filter.definitionId !== undefined) query.pipeline = String(filter.definitionId);
    if (values.hub !== undefined) query.hub = values.hub;
    if (filter.project !== undefined) query.project = filter.project;
    if (filter.organization !== undefined) query.organization = filter.organization;
    if (values.since !== undefined) query.since = values.since;
    if (values.until !== undefined) query.until = values.until;
    page = (await fetchJson(values, io, '/api/v1/sources/images', query)) as SourceImagePage;
  }
  const lines = toSourceLines(page.items);
  writePage(io, values, lines, page.nextCursor, { table: formatSource, csv: formatSourceCsv });
  return 0;
}
