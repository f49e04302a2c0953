/**
 * Seeds the background organisation (`shape.ts`) with bulk SQL inside the database, written straight
 * into the store's own tables (migration 004 and the reports/pushes of 001): no HTTP, no cores, no
 * per-row round trips, so that a run can start from 5,000,000 findings in minutes. Only the
 * background is written this way; the imports the benchmark measures go through the service.
 *
 * Every row is a formula of its number, the same on both databases:
 * - workload w (0-based) is workload `w / clusters` of cluster `w % clusters + 1`, in one of 50
 *   namespaces; one in 5 is internet-exposed (a LoadBalancer, half of those also an Ingress), one in
 *   7 of the others node-exposed (a NodePort);
 * - it runs image `5w + 1`, and every second workload also image `5w + 2` (every 50th of those
 *   unresolved: only a config id);
 * - odd-numbered images are mapped: one report per image, and a second run for every 25th;
 * - image i has 50 findings, Trivy's; every 10th image also 5 of Grype's naming 5 of the same
 *   vulnerabilities; every 3rd image has nothing above medium, the others 1 critical and 5 high.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { PUSH_COLUMNS, REPORT_COLUMNS, REPORT_SELECT } from '../service/seed';
import type { Shape } from './shape';

/** What differs between the two databases' SQL. */
interface Dialect {
  /** `INSERT INTO table (columns) SELECT select FROM <0..count-1 as n> [rest]`. */
  insertSeries(table: string, columns: string, count: number, select: string, rest?: string): string;
  /** A 64-digit lower-case hexadecimal text of an integer expression. */
  hex(expression: string): string;
}

const sqlite: Dialect = {
  insertSeries: (table, columns, count, select, rest = '') =>
    `WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ${count - 1})
     INSERT INTO ${table} (${columns}) SELECT ${select} FROM seq ${rest}`,
  hex: (e) => `printf('%064x', ${e})`,
};

const postgres: Dialect = {
  insertSeries: (table, columns, count, select, rest = '') =>
    `INSERT INTO ${table} (${columns}) SELECT ${select} FROM generate_series(0, ${count - 1}) AS n ${rest}`,
  hex: (e) => `lpad(to_hex(${e}), 64, '0')`,
};

const IMPORTED_AT_MS = 1_764_000_000_000;

/** The statements that seed `shape`, in order. */
function seedStatements(d: Dialect, shape: Shape): string[] {
  const C = shape.clusters;
  const digest = (e: string) => `'sha256:' || ${d.hex(e)}`;
  const statements: string[] = [];

  statements.push(
    d.insertSeries(
      'cluster_snapshots',
      'cluster, taken_at, source, imported_at_ms',
      C,
      `'cluster-' || (n + 1), '2026-11-28T00:00:00.000Z', 'import', ${IMPORTED_AT_MS}`,
    ),
  );
  statements.push(
    d.insertSeries(
      'snapshot_workloads',
      'snapshot_id, workload_no, namespace, kind, name, labels_json, internet_exposed',
      shape.workloads,
      `n % ${C} + 1, n / ${C}, 'ns-' || ((n / ${C}) % 50),
       CASE n % 20 WHEN 0 THEN 'DaemonSet' WHEN 1 THEN 'StatefulSet' WHEN 2 THEN 'CronJob' ELSE 'Deployment' END,
       'app-' || n, '{"app":"app-' || n || '"}', CASE WHEN n % 5 = 0 THEN 1 ELSE 0 END`,
    ),
  );
  // Image 0 of every workload, image 1 of every second one.
  const image = (k: number, where: string) =>
    d.insertSeries(
      'running_images',
      'snapshot_id, workload_no, image_no, digest, unresolved, config_id, references_json, repositories_json, containers_json',
      shape.workloads,
      `n % ${C} + 1, n / ${C}, ${k},
       CASE WHEN ${k} = 1 AND n % 50 = 0 THEN NULL ELSE ${digest(`(5 * n + ${k}) % ${shape.images} + 1`)} END,
       CASE WHEN ${k} = 1 AND n % 50 = 0 THEN 1 ELSE 0 END,
       CASE WHEN ${k} = 1 AND n % 50 = 0 THEN 'sha256:' || ${d.hex('n + 7')} ELSE NULL END,
       '["registry.seed:5000/team/app-' || n || ':${k + 1}.0"]', '["registry.seed:5000/team/app-' || n || '"]',
       '["${k === 0 ? 'app' : 'sidecar'}"]'`,
      where,
    );
  statements.push(image(0, ''), image(1, 'WHERE n % 2 = 0'));
  const path = (no: number, kind: string, json: string, where: string) =>
    d.insertSeries(
      'exposure_paths',
      'snapshot_id, workload_no, path_no, kind, path_json',
      shape.workloads,
      `n % ${C} + 1, n / ${C}, ${no}, '${kind}', ${json}`,
      where,
    );
  statements.push(
    path(0, 'internet', `'{"exposure":"internet","via":"LoadBalancer","service":"app-' || n || '","ports":[443]}'`, 'WHERE n % 5 = 0'),
    path(
      1,
      'internet',
      `'{"exposure":"internet","via":"Ingress","ingress":"edge","service":"app-' || n || '","host":"app-' || n || '.example.com","path":"/"}'`,
      'WHERE n % 10 = 0',
    ),
    path(
      0,
      'node',
      `'{"exposure":"node","via":"NodePort","service":"app-' || n || '","nodePorts":[30080]}'`,
      'WHERE n % 5 <> 0 AND n % 7 = 0',
    ),
  );

  // Findings: row n is finding j = n % 50 of image i = n / 50 + 1 (in digest order, so the digest index grows at its end).
  const per = shape.findingsPerImage;
  const grype = `(i % 10 = 0 AND j >= ${per - 5})`;
  const inner = `SELECT n / ${per} + 1 AS i, n % ${per} AS j FROM seq`;
  const rows = `SELECT i, CASE WHEN ${grype} THEN 'grype' ELSE 'trivy' END AS tool, CASE WHEN ${grype} THEN j - ${per - 5} ELSE j END AS jj FROM (${inner}) AS a`;
  const ranked = `SELECT i, tool, jj,
      CASE WHEN i % 3 = 0 AND jj <= 5 THEN 3 WHEN jj = 0 THEN 5 WHEN jj <= 5 THEN 4 WHEN jj <= 20 THEN 3 WHEN jj <= 38 THEN 2 ELSE 0 END AS r
      FROM (${rows}) AS b`;
  const findingColumns = `digest, tool, vulnerability_id, aliases_json, advisories_json, severity, severity_rank, package_name,
    installed_version, fixed_version, scanner, scanner_version, scanned_at, image_references_json, imported_at_ms`;
  const findingSelect = `${digest('i')}, tool, 'CVE-' || (2019 + jj % 6) || '-' || (10000 + (i * 31 + jj * 97) % 90000), '[]', '[]',
      CASE r WHEN 5 THEN 'critical' WHEN 4 THEN 'high' WHEN 3 THEN 'medium' WHEN 2 THEN 'low' ELSE 'unknown' END, r,
      'pkg-' || (jj % 20), '1.0.' || (jj % 7), CASE WHEN jj % 3 = 0 THEN NULL ELSE '1.1.' || jj END,
      CASE tool WHEN 'grype' THEN 'Grype' ELSE 'Trivy' END, CASE tool WHEN 'grype' THEN '0.84.0' ELSE '0.57.1' END,
      '2026-11-27T00:00:00Z', '["registry.seed:5000/team/app@' || ${digest('i')} || '"]', ${IMPORTED_AT_MS}`;
  statements.push(
    d === sqlite
      ? `WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ${shape.findings - 1})
         INSERT INTO scan_findings (${findingColumns}) SELECT ${findingSelect} FROM (${ranked}) AS c`
      : `INSERT INTO scan_findings (${findingColumns}) SELECT ${findingSelect}
           FROM (${ranked.replace('FROM seq', `FROM generate_series(0, ${shape.findings - 1}) AS n`)}) AS c`,
  );

  // Reports: report n (1-based) pushed odd image 2n - 1; reports past `mapped` are second runs of every 25th.
  const M = shape.mapped;
  statements.push(
    d.insertSeries('reports', REPORT_COLUMNS, M + Math.floor(M / 25), REPORT_SELECT('(n + 1)', d.hex('n + 1'))),
    `INSERT INTO pushes (${PUSH_COLUMNS})
       SELECT r.id, ${digest(`CASE WHEN r.id <= ${M} THEN 2 * r.id - 1 ELSE 2 * ((r.id - ${M}) * 25) - 1 END`)},
              'registry.seed:5000', 'team/app', 'v' || r.id, 'docker-events', '2026-01-01T00:00:00.000Z',
              1767225600000 + r.id * 1000, 'seed|' || r.id
         FROM reports r`,
  );
  return statements;
}

/** Seeds an empty, migrated SQLite store; ends with `ANALYZE`, as `PRAGMA optimize` would in a long-running service. */
export function seedSqlite(db: Database.Database, shape: Shape): void {
  db.transaction(() => {
    for (const sql of seedStatements(sqlite, shape)) db.exec(sql);
  })();
  db.exec('ANALYZE');
}

/** Seeds an empty, migrated PostgreSQL schema; ends with `ANALYZE`, as autovacuum would. */
export async function seedPostgres(pool: pg.Pool, shape: Shape): Promise<void> {
  for (const sql of seedStatements(postgres, shape)) await pool.query(sql);
  await pool.query('ANALYZE');
}
