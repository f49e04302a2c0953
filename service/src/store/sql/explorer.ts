/**
 * The explorer's SQL, written once for both databases with `?` placeholders (the PostgreSQL store
 * numbers them), and the pure mapping of a cluster snapshot and of scanner findings to rows.
 */
import type { ClusterSnapshot } from '../../explorer/kubernetes/model';
import type { ImageScan } from '../../explorer/vulnerabilities/finding';
import { normaliseSeverity, severityRank, type Severity } from '../../explorer/vulnerabilities/severity';
import type { ExposedFilter } from '../explorer';
import type { Query } from './queries';
import { relatedExists, relatedParams } from './platforms';
import { sourceConditions } from './explorerSource';
import { EVERY_RUN, type ReadScope } from '../readScope';
import { StaleSnapshotError } from '../store';

type Value = string | number | null;

/** One statement to run, its values bound as parameters. */
export interface Statement {
  sql: string;
  params: Value[];
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters. */
const ROWS_PER_INSERT = 200;

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Multi-row INSERTs of `rows` into `table`, in chunks; none when there are no rows. */
export function insertStatements(table: string, columns: readonly string[], rows: readonly Value[][]): Statement[] {
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const values = chunk.map(() => `(${placeholders(columns.length)})`).join(', ');
    statements.push({ sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, params: chunk.flat() });
  }
  return statements;
}

/** When the cluster's stored snapshot was taken, if it has one. */
export const SNAPSHOT_TAKEN_AT_SQL = 'SELECT taken_at FROM cluster_snapshots WHERE cluster = ?';

/**
 * @throws StaleSnapshotError when the stored snapshot (`storedTakenAt`, as read by SNAPSHOT_TAKEN_AT_SQL)
 * was taken after `takenAt`.
 */
export function refuseOlderSnapshot(cluster: string, storedTakenAt: string | undefined, takenAt: Date): void {
  if (storedTakenAt === undefined) return;
  const storedMs = Date.parse(storedTakenAt);
  if (Number.isFinite(storedMs) && storedMs > takenAt.getTime()) {
    throw new StaleSnapshotError(cluster, new Date(storedMs).toISOString(), takenAt.toISOString());
  }
}

/** Deletes a cluster's snapshot; its workloads, images and exposure paths go with it (cascade). */
export const DELETE_SNAPSHOT_SQL = 'DELETE FROM cluster_snapshots WHERE cluster = ?';

/** Inserts a cluster's snapshot row with its provenance (migration 008) and returns its id. */
export const INSERT_SNAPSHOT_SQL =
  'INSERT INTO cluster_snapshots (cluster, taken_at, source, imported_at_ms, imported_by) VALUES (?, ?, ?, ?, ?) RETURNING id';

const WORKLOAD_COLUMNS = ['snapshot_id', 'workload_no', 'namespace', 'kind', 'name', 'labels_json', 'internet_exposed'];
const IMAGE_COLUMNS = [
  'snapshot_id',
  'workload_no',
  'image_no',
  'digest',
  'unresolved',
  'config_id',
  'references_json',
  'repositories_json',
  'containers_json',
];
const PATH_COLUMNS = ['snapshot_id', 'workload_no', 'path_no', 'kind', 'path_json'];

/** The INSERTs that store a snapshot's workloads, running images and exposure paths under `snapshotId`. */
export function snapshotStatements(snapshotId: number, snapshot: ClusterSnapshot): Statement[] {
  const workloads: Value[][] = [];
  const images: Value[][] = [];
  const paths: Value[][] = [];
  snapshot.workloads.forEach((w, no) => {
    const exposed = w.exposure.some((p) => p.exposure === 'internet') ? 1 : 0;
    workloads.push([snapshotId, no, w.namespace, w.kind, w.name, JSON.stringify(w.labels), exposed]);
    w.images.forEach((i, imageNo) => {
      images.push([
        snapshotId,
        no,
        imageNo,
        i.digest,
        i.resolved ? 0 : 1,
        i.configId,
        JSON.stringify(i.references),
        JSON.stringify(i.repositories),
        JSON.stringify(i.containers),
      ]);
    });
    w.exposure.forEach((p, pathNo) => paths.push([snapshotId, no, pathNo, p.exposure, JSON.stringify(p)]));
  });
  return [
    ...insertStatements('snapshot_workloads', WORKLOAD_COLUMNS, workloads),
    ...insertStatements('running_images', IMAGE_COLUMNS, images),
    ...insertStatements('exposure_paths', PATH_COLUMNS, paths),
  ];
}

const FINDING_COLUMNS = [
  'digest',
  'tool',
  'vulnerability_id',
  'aliases_json',
  'advisories_json',
  'severity',
  'severity_rank',
  'package_name',
  'installed_version',
  'fixed_version',
  'scanner',
  'scanner_version',
  'scanned_at',
  'image_references_json',
  'imported_at_ms',
];

/**
 * The statements that import `scans`: for each (digest, tool) they name, one DELETE of that tool's
 * earlier findings for that image, then the INSERTs of every finding (a Trivy Operator list may
 * hold several reports of one digest: all are kept).
 */
export function scanStatements(scans: readonly ImageScan[], importedAtMs: number): Statement[] {
  const keys = new Map(scans.map((s) => [`${s.digest} ${s.source.format}`, [s.digest, s.source.format] as Value[]]));
  const deletes = [...keys.values()].map((params) => ({ sql: 'DELETE FROM scan_findings WHERE digest = ? AND tool = ?', params }));
  const rows = scans.flatMap((s) =>
    s.findings.map((f): Value[] => [
      s.digest,
      s.source.format,
      f.vulnerabilityId,
      JSON.stringify(f.aliases),
      JSON.stringify(f.advisories),
      f.severity,
      severityRank(f.severity),
      f.packageName,
      f.installedVersion,
      f.fixedVersion,
      s.source.scanner,
      s.source.scannerVersion,
      s.source.scannedAt,
      JSON.stringify(s.imageReferences),
      importedAtMs,
    ]),
  );
  return [...deletes, ...insertStatements('scan_findings', FINDING_COLUMNS, rows)];
}

/** Where a page of exposed rows starts: the sort key of the last row of the previous page. */
export type ExposedKey = [cluster: string, namespace: string, kind: string, name: string, digest: string];

/**
 * Candidate (workload, image) rows of "exposed and vulnerable", in key order: internet-exposed
 * workloads running a digest with at least one raw finding at or above the severity (and, with
 * `fixableOnly`, one with a fixed version). A superset of the answer: whether a merged finding
 * qualifies is decided after the merge (`exposedRows.ts`), since a merged finding takes its
 * severity and its fix from different scanners.
 */
export function exposedCandidatesQuery(
  filter: ExposedFilter,
  after: ExposedKey | null,
  limit: number,
  scope: ReadScope = EVERY_RUN,
): Query {
  const where = ['w.internet_exposed = 1', 'i.digest IS NOT NULL'];
  const params: Array<string | number> = [];
  // Findings of the running digest, or of a digest related to it (an index and its platform manifests).
  where.push(relatedExists('i.digest', (d) => `SELECT 1 FROM scan_findings f WHERE f.digest = ${d} AND f.severity_rank >= ?`));
  params.push(...relatedParams([severityRank(filter.minSeverity)]));
  if (filter.fixableOnly === true) {
    where.push(relatedExists('i.digest', (d) => `SELECT 1 FROM scan_findings f WHERE f.digest = ${d} AND f.fixed_version IS NOT NULL`));
  }
  if (filter.cluster !== undefined) {
    where.push('s.cluster = ?');
    params.push(filter.cluster);
  }
  if (filter.namespace !== undefined) {
    where.push('w.namespace = ?');
    params.push(filter.namespace);
  }
  if (filter.pushedBy !== undefined) {
    // Only a run the reader may see counts: a reader bound to one organisation learns nothing of another's pushes.
    const pushed = sourceConditions(filter.pushedBy, scope);
    const conditions = pushed.where.map((c) => ` AND ${c}`).join('');
    where.push(
      relatedExists('i.digest', (d) => `SELECT 1 FROM pushes p JOIN reports r ON r.id = p.report_id WHERE p.digest = ${d}${conditions}`),
    );
    params.push(...relatedParams(pushed.params));
  }
  if (after !== null) {
    where.push('(s.cluster, w.namespace, w.kind, w.name, i.digest) > (?, ?, ?, ?, ?)');
    params.push(...after);
  }
  return {
    sql: `SELECT s.cluster, s.taken_at, s.source, s.imported_at_ms, s.imported_by, w.namespace, w.kind, w.name, i.digest, i.references_json,
            (SELECT ${jsonArray('p.path_json')} FROM exposure_paths p
              WHERE p.snapshot_id = w.snapshot_id AND p.workload_no = w.workload_no) AS paths_json
       FROM running_images i
       JOIN snapshot_workloads w ON w.snapshot_id = i.snapshot_id AND w.workload_no = i.workload_no
       JOIN cluster_snapshots s ON s.id = w.snapshot_id
      WHERE ${where.join(' AND ')}
      ORDER BY s.cluster, w.namespace, w.kind, w.name, i.digest
      LIMIT ?`,
    params: [...params, limit],
  };
}

/**
 * The paths as one JSON array text, in path order. Both databases concatenate text here rather
 * than use their JSON aggregates, whose names and ordering syntax differ.
 */
function jsonArray(column: string): string {
  return `'[' || coalesce(string_agg(${column}, ',' ORDER BY p.path_no), '') || ']'`;
}

/** Every stored finding of the digests, for the merge. */
export function findingsQuery(digests: readonly string[]): Query {
  return {
    sql: `SELECT digest, tool, vulnerability_id, aliases_json, advisories_json, severity, package_name, installed_version,
                 fixed_version, scanner, scanner_version, scanned_at, image_references_json
            FROM scan_findings WHERE digest IN (${placeholders(digests.length)}) ORDER BY id`,
    params: [...digests],
  };
}

/** Reads a stored severity (the table's CHECK allows only normalised ones). */
export function toSeverity(value: unknown): Severity {
  return normaliseSeverity(String(value)) ?? 'unknown';
}
