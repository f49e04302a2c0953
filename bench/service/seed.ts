/**
 * Seeds a store with `reports * 3` pushes using bulk SQL inside the database (no HTTP,
 * no per-row round trips), so the benchmark can start from a million stored images.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';

/** The digest of seeded push `n` (1-based), as the seed SQL computes it. */
export function seededDigest(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** The values of one seeded report numbered by the SQL expression `n`, its idempotency key `hex` (also used by bench:explorer). */
export const REPORT_SELECT = (n: string, hex: string) => `
  ${hex}, 'https://dev.azure.com/seed', 'seed', 'aaaaaaaa-0000-4000-8000-000000000001', 'Seed', 'build',
  1 + (${n} % 50), 'pipeline', ${n}, 'run', NULL, 'job', NULL, 1, NULL, 'TfsGit', 'https://dev.azure.com/seed/Seed/_git/app', 'app', NULL,
  NULL, 'refs/heads/main', 'agent', 'Linux', NULL, 'seed', 1767225600000, '{}'`;

/** The columns `REPORT_SELECT` fills, in its order. */
export const REPORT_COLUMNS = `idempotency_key, organization_url, organization_name, project_id, project_name, hub, definition_id, definition_name,
  run_id, run_number, run_url, job_id, job_name, job_attempt, stage, source_provider, source_url, source_name, source_id,
  commit_sha, branch, agent_name, agent_os, agent_self_hosted, principal, received_at_ms, report_json`;

/** The columns of a seeded push. */
export const PUSH_COLUMNS = 'report_id, digest, registry, repository, tag, origin, pushed_at, pushed_at_ms, run_key';

/** Seeds SQLite with `reports` reports of 3 pushes each. */
export function seedSqlite(db: Database.Database, reports: number): void {
  db.transaction(() => {
    db.exec(`WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${reports})
      INSERT INTO reports (${REPORT_COLUMNS}) SELECT ${REPORT_SELECT('n', "printf('%064x', n)")} FROM seq`);
    db.exec(`WITH k(i) AS (VALUES (0), (1), (2))
      INSERT INTO pushes (${PUSH_COLUMNS})
      SELECT r.id, 'sha256:' || printf('%064x', (r.id - 1) * 3 + k.i + 1), 'registry.seed:5000', 'team/app-' || (r.id % 1000), 'v' || k.i,
             'docker-events', '2026-01-01T00:00:00.000Z', 1767225600000 + r.id * 1000 + k.i, 'seed|' || r.id
        FROM reports r CROSS JOIN k`);
  })();
  db.exec('ANALYZE');
}

/** Seeds PostgreSQL with `reports` reports of 3 pushes each. */
export async function seedPostgres(pool: pg.Pool, reports: number): Promise<void> {
  await pool.query(`INSERT INTO reports (${REPORT_COLUMNS})
    SELECT ${REPORT_SELECT('n', "lpad(to_hex(n), 64, '0')")} FROM generate_series(1, ${reports}) AS n`);
  await pool.query(`INSERT INTO pushes (${PUSH_COLUMNS})
    SELECT r.id, 'sha256:' || lpad(to_hex((r.id - 1) * 3 + k + 1), 64, '0'), 'registry.seed:5000', 'team/app-' || (r.id % 1000), 'v' || k,
           'docker-events', '2026-01-01T00:00:00.000Z', 1767225600000 + r.id * 1000 + k, 'seed|' || r.id
      FROM reports r CROSS JOIN generate_series(0, 2) AS k`);
  await pool.query('ANALYZE');
}
