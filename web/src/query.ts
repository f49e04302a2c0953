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

/** One explorer question. `exposed` is always true: the API answers internet-exposed workloads only. */
export interface ExplorerQuery {
  start: Start;
  minSeverity: MinSeverity;
  fixable: boolean;
  cluster: string;
  namespace: string;
  view: ResultView;
}

/** A named question the page offers in one click. */
export interface Template {
  id: string;
  title: string;
  query: ExplorerQuery;
}

const BLANK: ExplorerQuery = { start: 'workloads', minSeverity: 'high', fixable: false, cluster: '', namespace: '', view: 'table' };

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

/** Reads a query from URL parameters; a missing or unknown value takes the default's. */
export function queryFromParams(params: URLSearchParams): ExplorerQuery {
  return {
    start: oneOf(
      STARTS.map((s) => s.value),
      params.get('start'),
      DEFAULT_QUERY.start,
    ),
    minSeverity: oneOf(MIN_SEVERITIES, params.get('minSeverity'), DEFAULT_QUERY.minSeverity),
    fixable: params.get('fixable') === 'true',
    cluster: (params.get('cluster') ?? '').trim(),
    namespace: (params.get('namespace') ?? '').trim(),
    view: oneOf(['table', 'graph'] as const, params.get('view'), DEFAULT_QUERY.view),
  };
}

/** Writes a query as URL parameters (empty filters left out), the inverse of `queryFromParams`. */
export function queryToParams(query: ExplorerQuery): URLSearchParams {
  const params = new URLSearchParams({ start: query.start, minSeverity: query.minSeverity });
  if (query.fixable) params.set('fixable', 'true');
  if (query.cluster !== '') params.set('cluster', query.cluster);
  if (query.namespace !== '') params.set('namespace', query.namespace);
  params.set('view', query.view);
  return params;
}

/** The query string of `GET /api/v1/exposed` for one page of the answer. */
export function exposedApiParams(query: ExplorerQuery, page: { limit: number; cursor?: string | null }): URLSearchParams {
  const params = new URLSearchParams({ minSeverity: query.minSeverity, limit: String(page.limit) });
  if (query.fixable) params.set('fixable', 'true');
  if (query.cluster !== '') params.set('cluster', query.cluster);
  if (query.namespace !== '') params.set('namespace', query.namespace);
  if (page.cursor) params.set('cursor', page.cursor);
  return params;
}
