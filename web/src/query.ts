/**
 * The explorer query as plain data, to and from the page's URL (the part after `#/explore?`),
 * and to the API's query string. Pure: no DOM, so the unit tests run it under Node.
 */

/** What the answer lists: one row per workload, per image, or per pipeline run. */
export type Start = 'workloads' | 'images' | 'pipelines';
/** The minimum severities `GET /api/v1/exposed` accepts. */
export type MinSeverity = 'critical' | 'high' | 'medium' | 'low';
export type ResultView = 'table' | 'graph';

export const STARTS: ReadonlyArray<{ value: Start; label: string }> = [
  { value: 'workloads', label: 'Kubernetes workloads' },
  { value: 'images', label: 'Container images' },
  { value: 'pipelines', label: 'Pipelines / repositories' },
];
export const MIN_SEVERITIES: readonly MinSeverity[] = ['critical', 'high', 'medium', 'low'];

/**
 * One explorer question. `exposed` is always true: the API answers internet-exposed workloads only.
 * `repository`, `organization`, `project`, `since` and `until` are the "pushed by" conditions: a
 * push by a run of that repository, organisation and project, within those UTC days (inclusive).
 */
export interface ExplorerQuery {
  start: Start;
  minSeverity: MinSeverity;
  fixable: boolean;
  cluster: string;
  namespace: string;
  repository: string;
  organization: string;
  project: string;
  /** `YYYY-MM-DD` (UTC) or empty: pushed on or after this day. */
  since: string;
  /** `YYYY-MM-DD` (UTC) or empty: pushed on or before this day. */
  until: string;
  view: ResultView;
}

/** The text filters of a query, in the order the URL and the API take them. */
export const TEXT_FILTERS = ['cluster', 'namespace', 'repository', 'organization', 'project'] as const;
/** The day filters. */
export const DAY_FILTERS = ['since', 'until'] as const;

/** A named question the page offers in one click. */
export interface Template {
  id: string;
  title: string;
  query: ExplorerQuery;
}

const BLANK: ExplorerQuery = {
  start: 'workloads',
  minSeverity: 'high',
  fixable: false,
  cluster: '',
  namespace: '',
  repository: '',
  organization: '',
  project: '',
  since: '',
  until: '',
  view: 'table',
};

/** The templates, the seed's question first. */
export const TEMPLATES: readonly Template[] = [
  {
    id: 'exposed-high',
    title: 'Internet-exposed workloads running images with high-severity CVEs → the pipelines that built them',
    query: { ...BLANK, start: 'workloads', minSeverity: 'high', view: 'graph' },
  },
  {
    id: 'images-high-fixable',
    title: 'Exposed images with fixable high-severity CVEs → the pipelines that built them',
    query: { ...BLANK, start: 'images', minSeverity: 'high', fixable: true, view: 'table' },
  },
  {
    id: 'pipelines-high',
    title: 'Pipelines and repositories whose images run exposed with high-severity CVEs',
    query: { ...BLANK, start: 'pipelines', minSeverity: 'high', view: 'table' },
  },
];

/** The default query: the first template. */
export const DEFAULT_QUERY: ExplorerQuery = TEMPLATES[0]?.query ?? BLANK;

const oneOf = <T extends string>(values: readonly T[], value: string | null, fallback: T): T =>
  values.includes(value as T) ? (value as T) : fallback;

/** A `YYYY-MM-DD` day that exists, else empty. */
export function dayOf(text: string | null): string {
  const day = (text ?? '').trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return '';
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day) ? day : '';
}

/** Reads a query from URL parameters; a missing or unknown value takes the default's. */
export function queryFromParams(params: URLSearchParams): ExplorerQuery {
  const query: ExplorerQuery = {
    ...BLANK,
    start: oneOf(
      STARTS.map((s) => s.value),
      params.get('start'),
      DEFAULT_QUERY.start,
    ),
    minSeverity: oneOf(MIN_SEVERITIES, params.get('minSeverity'), DEFAULT_QUERY.minSeverity),
    fixable: params.get('fixable') === 'true',
    view: oneOf(['table', 'graph'] as const, params.get('view'), DEFAULT_QUERY.view),
  };
  for (const key of TEXT_FILTERS) query[key] = (params.get(key) ?? '').trim();
  for (const key of DAY_FILTERS) query[key] = dayOf(params.get(key));
  return query;
}

/** Writes a query as URL parameters (empty filters left out), the inverse of `queryFromParams`. */
export function queryToParams(query: ExplorerQuery): URLSearchParams {
  const params = new URLSearchParams({ start: query.start, minSeverity: query.minSeverity });
  if (query.fixable) params.set('fixable', 'true');
  for (const key of [...TEXT_FILTERS, ...DAY_FILTERS]) if (query[key] !== '') params.set(key, query[key]);
  params.set('view', query.view);
  return params;
}

/** The "pushed by" conditions as the API takes them: the days as the first and last instants of each UTC day. */
function pushedByParams(query: ExplorerQuery, params: URLSearchParams): void {
  for (const key of ['repository', 'organization', 'project'] as const) if (query[key] !== '') params.set(key, query[key]);
  if (query.since !== '') params.set('since', `${query.since}T00:00:00Z`);
  if (query.until !== '') params.set('until', `${query.until}T23:59:59.999Z`);
}

/** The query string of `GET /api/v1/exposed` for one page of the answer. */
export function exposedApiParams(query: ExplorerQuery, page: { limit: number; cursor?: string | null }): URLSearchParams {
  const params = new URLSearchParams({ minSeverity: query.minSeverity, limit: String(page.limit) });
  if (query.fixable) params.set('fixable', 'true');
  if (query.cluster !== '') params.set('cluster', query.cluster);
  if (query.namespace !== '') params.set('namespace', query.namespace);
  pushedByParams(query, params);
  if (page.cursor) params.set('cursor', page.cursor);
  return params;
}

/**
 * The query string of `GET /api/v1/sources/images` (the pipelines / repositories starting point, once
 * a repository is named): the repository and the other "pushed by" conditions; severity, fixable,
 * cluster and namespace are not conditions of that route.
 */
export function sourceApiParams(query: ExplorerQuery, page: { limit: number; cursor?: string | null }): URLSearchParams {
  const params = new URLSearchParams();
  pushedByParams(query, params);
  params.set('limit', String(page.limit));
  if (page.cursor) params.set('cursor', page.cursor);
  return params;
}

/** Whether the query is answered by the by-source route: pipelines / repositories, with a repository named. */
export const usesSourceRoute = (query: ExplorerQuery): boolean => query.start === 'pipelines' && query.repository !== '';
