/**
 * The rows of the results table for each starting point, from a page of `GET /api/v1/exposed`.
 * `images` and `pipelines` regroup the page's rows (one per image, one per run); they add no
 * condition the API does not apply. Pure, so that table, CSV and tests read the same values.
 */
import type { Start } from './query';
import type { ExposedRow, ImagePush } from './types';

/** A column: its header, and the cell's text (and sort key) for a row. */
export interface Column {
  key: string;
  label: string;
  numeric?: boolean;
}

/** One table row: a text per column key, and links the table may render. */
export interface TableRow {
  id: string;
  cells: Record<string, string | number>;
  /** Hash links of cells, by column key (to the image and run pages, or the run in Azure DevOps). */
  links: Record<string, string>;
  /**
   * The running image the row is about, for "Ask the owning team to fix": `mapped` false when no run
   * is known to have pushed it (no owner, nothing to file). Absent on rows that are not one image.
   */
  image?: { digest: string; name: string; mapped: boolean };
  /** The source repository the row is about (URL, else id, else name), for the by-source question. */
  source?: string;
}

export interface Table {
  columns: Column[];
  rows: TableRow[];
}

/** The text the page shows for an image that no run is known to have pushed. */
export const UNMAPPED = 'unmapped';

const SEVERITY_COLUMNS: Column[] = [
  { key: 'critical', label: 'Critical', numeric: true },
  { key: 'high', label: 'High', numeric: true },
  { key: 'medium', label: 'Medium', numeric: true },
  { key: 'low', label: 'Low', numeric: true },
];

/** `Ingress ×2, LoadBalancer`: how a workload is exposed, in a few words. */
export function exposureSummary(row: Pick<ExposedRow, 'exposure'>): string {
  const counts = new Map<string, number>();
  for (const path of row.exposure) counts.set(path.via, (counts.get(path.via) ?? 0) + 1);
  return [...counts].map(([via, n]) => (n > 1 ? `${via} ×${n}` : via)).join(', ');
}

/** The image's first reference, or its digest when it has none. */
export function imageName(row: Pick<ExposedRow, 'references' | 'digest'>): string {
  return row.references[0] ?? row.digest;
}

/** `web-api CI #13 (20260301.2)`. */
export function runLabel(push: ImagePush): string {
  return `${push.pipeline.name} #${push.run.id} (${push.run.number})`;
}

/** A run's key across organisations (run ids are unique per organisation and hub). */
export function runKey(push: ImagePush): string {
  return `${push.organization.url}|${push.pipeline.hub}|${push.run.id}`;
}

/** The page's hash link to a run. */
export function runHref(push: ImagePush): string {
  const params = new URLSearchParams({ organization: push.organization.url, project: push.project.id, hub: push.pipeline.hub });
  // A GitHub run id (past 2^31) is answered only when the provider is named.
  if (push.provider === 'github') params.set('provider', 'github');
  return `#/runs/${push.run.id}?${params.toString()}`;
}

/** The page's hash link to an image. */
export const imageHref = (digest: string): string => `#/images/${encodeURIComponent(digest)}`;

/** Each run once, newest push first (the API lists a digest's pushes newest first). */
function distinctRuns(pushes: readonly ImagePush[]): ImagePush[] {
  const seen = new Map<string, ImagePush>();
  for (const push of pushes) if (!seen.has(runKey(push))) seen.set(runKey(push), push);
  return [...seen.values()];
}

const runsCell = (pushes: readonly ImagePush[]): string => (pushes.length === 0 ? UNMAPPED : distinctRuns(pushes).map(runLabel).join('; '));
const counts = (row: ExposedRow) => ({
  critical: row.counts.critical,
  high: row.counts.high,
  medium: row.counts.medium,
  low: row.counts.low,
});

function byWorkload(items: readonly ExposedRow[]): Table {
  const columns: Column[] = [
    { key: 'cluster', label: 'Cluster' },
    { key: 'namespace', label: 'Namespace' },
    { key: 'workload', label: 'Workload' },
    { key: 'exposure', label: 'Exposure' },
    { key: 'image', label: 'Image' },
    { key: 'digest', label: 'Digest' },
    ...SEVERITY_COLUMNS,
    { key: 'runs', label: 'Built by' },
  ];
  const rows = items.map((row) => ({
    id: `${row.cluster}/${row.namespace}/${row.workloadKind}/${row.workloadName}/${row.digest}`,
    cells: {
      cluster: row.cluster,
      namespace: row.namespace,
      workload: `${row.workloadKind}/${row.workloadName}`,
      exposure: exposureSummary(row),
      image: imageName(row),
      digest: row.digest,
      ...counts(row),
      runs: runsCell(row.runs),
    },
    links: { image: imageHref(row.digest), ...(row.runs[0] ? { runs: runHref(row.runs[0]) } : {}) },
    image: { digest: row.digest, name: imageName(row), mapped: row.runs.length > 0 },
  }));
  return { columns, rows };
}

function byImage(items: readonly ExposedRow[]): Table {
  const columns: Column[] = [
    { key: 'image', label: 'Image' },
    { key: 'digest', label: 'Digest' },
    { key: 'workloads', label: 'Runs in' },
    ...SEVERITY_COLUMNS,
    { key: 'runs', label: 'Built by' },
  ];
  const groups = new Map<string, ExposedRow[]>();
  for (const row of items) groups.set(row.digest, [...(groups.get(row.digest) ?? []), row]);
  const rows = [...groups].map(([digest, group]) => {
    const first = group[0] as ExposedRow;
    return {
      id: digest,
      cells: {
        image: imageName(first),
        digest,
        workloads: group.map((r) => `${r.cluster}/${r.namespace}/${r.workloadKind}/${r.workloadName}`).join('; '),
        ...counts(first),
        runs: runsCell(first.runs),
      },
      links: { image: imageHref(digest), ...(first.runs[0] ? { runs: runHref(first.runs[0]) } : {}) },
      image: { digest, name: imageName(first), mapped: first.runs.length > 0 },
    };
  });
  return { columns, rows };
}

/** The repository a push names, as the by-source route finds it (URL, id or name); none when it names none. */
function sourceOf(push: ImagePush): { source?: string } {
  const { url, id, name } = push.sourceRepository;
  const source = url ?? id ?? name;
  return source ? { source } : {};
}

function byPipeline(items: readonly ExposedRow[]): Table {
  const columns: Column[] = [
    { key: 'pipeline', label: 'Pipeline run' },
    { key: 'repository', label: 'Source repository' },
    { key: 'branch', label: 'Branch' },
    { key: 'commit', label: 'Commit' },
    { key: 'images', label: 'Images' },
    { key: 'workloads', label: 'Exposed workloads' },
  ];
  const groups = new Map<string, { push: ImagePush | null; images: Set<string>; workloads: Set<string>; digest: string }>();
  for (const row of items) {
    const workload = `${row.cluster}/${row.namespace}/${row.workloadKind}/${row.workloadName}`;
    const pushes: Array<ImagePush | null> = row.runs.length === 0 ? [null] : distinctRuns(row.runs);
    for (const push of pushes) {
      const key = push === null ? `${UNMAPPED}|${row.digest}` : runKey(push);
      const group = groups.get(key) ?? { push, images: new Set<string>(), workloads: new Set<string>(), digest: row.digest };
      group.images.add(imageName(row));
      group.workloads.add(workload);
      groups.set(key, group);
    }
  }
  const rows = [...groups].map(([key, g]): TableRow => ({
    id: key,
    cells: {
      pipeline: g.push ? runLabel(g.push) : UNMAPPED,
      repository: g.push ? (g.push.sourceRepository.name ?? g.push.sourceRepository.url ?? '') : '',
      branch: g.push?.branch ?? '',
      commit: g.push?.commit?.slice(0, 12) ?? '',
      images: [...g.images].join('; '),
      workloads: [...g.workloads].join('; '),
    },
    links: g.push ? { pipeline: runHref(g.push) } : { images: imageHref(g.digest) },
    ...(g.push ? sourceOf(g.push) : {}),
  }));
  return { columns, rows };
}

/** The table for `start` from one page of rows. */
export function tableFor(start: Start, items: readonly ExposedRow[]): Table {
  if (start === 'images') return byImage(items);
  if (start === 'pipelines') return byPipeline(items);
  return byWorkload(items);
}

/** Rows sorted by one column (numbers as numbers, text by locale), stable. */
export function sortRows(rows: readonly TableRow[], key: string, direction: 'ascending' | 'descending'): TableRow[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const x = a.row.cells[key] ?? '';
      const y = b.row.cells[key] ?? '';
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return order * sign || a.index - b.index;
    })
    .map(({ row }) => row);
}
