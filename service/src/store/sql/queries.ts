/**
 * SQL both databases understand, written once with `?` placeholders
 * (the PostgreSQL store numbers them). Values always travel as parameters.
 */
import { normalizeOrganizationUrl } from '../../../../common/idempotency';
import { decodeCursor } from '../cursor';
import { PUSH_COLUMNS, PUSH_SELECT, REPORT_COLUMNS } from '../rows';
import type { PageRequest, PushFilter } from '../store';
import type { AttributionCandidate } from '../attribution';

type Param = string | number;

/** A statement and its parameters. */
export interface Query {
  sql: string;
  params: Param[];
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Inserts a report, or replaces the columns of the one with the same idempotency key. */
export const UPSERT_REPORT_SQL = `
  INSERT INTO reports (${REPORT_COLUMNS.join(', ')}) VALUES (${placeholders(REPORT_COLUMNS.length)})
  ON CONFLICT (idempotency_key) DO UPDATE SET
  ${REPORT_COLUMNS.filter((c) => c !== 'idempotency_key')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/** Inserts `rows` pushes in one statement. */
export function insertPushesSql(rows: number): string {
  const row = `(${placeholders(PUSH_COLUMNS.length)})`;
  return `INSERT INTO pushes (${PUSH_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
}

/** What the attribution rule needs of each push, without the `WHERE` that picks them. */
export const ATTRIBUTION_CANDIDATES_SELECT = `
  SELECT p.id, p.report_id, p.digest, p.registry, p.repository, p.tag, p.pushed_at_ms, p.run_key, p.attribution,
         p.attribution_reason, r.organization_name, r.project_name, r.run_id, r.definition_name, r.job_id, r.job_name
    FROM pushes p JOIN reports r ON r.id = p.report_id`;

/** Maps a row of a query built on `ATTRIBUTION_CANDIDATES_SELECT`. */
export function toCandidate(row: Record<string, unknown>): AttributionCandidate {
  return {
    id: Number(row.id),
    reportId: Number(row.report_id),
    digest: String(row.digest),
    registry: String(row.registry),
    repository: String(row.repository),
    tag: row.tag === null ? null : String(row.tag),
    pushedAtMs: Number(row.pushed_at_ms),
    runKey: String(row.run_key),
    jobId: String(row.job_id),
    runLabel: `${String(row.organization_name)}/${String(row.project_name)} run ${String(row.run_id)} (pipeline "${String(row.definition_name)}"), job "${String(row.job_name ?? row.job_id)}"`,
    attribution: row.attribution === 'ambiguous' ? 'ambiguous' : 'exclusive',
    attributionReason: row.attribution_reason === null ? null : String(row.attribution_reason),
  };
}

/** `PUSH_SELECT` for one digest, newest first. */
export function imageQuery(digest: string): Query {
  return { sql: `${PUSH_SELECT} WHERE p.digest = ? ORDER BY p.pushed_at_ms DESC, p.id DESC LIMIT 1000`, params: [digest] };
}

/** `PUSH_SELECT` for several digests (distinct), each digest's pushes newest first. */
export function imagesPushesQuery(digests: readonly string[]): Query {
  return {
    sql: `${PUSH_SELECT} WHERE p.digest IN (${placeholders(digests.length)}) ORDER BY p.digest, p.pushed_at_ms DESC, p.id DESC`,
    params: [...digests],
  };
}

/** A page of pushes matching `filter`, newest first; fetches one extra row to know whether more follow. */
export function pushListQuery(filter: PushFilter, page: PageRequest): Query {
  const where: string[] = [];
  const params: Param[] = [];
  const add = (clause: string, ...values: Param[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.registry !== undefined) add('p.registry = ?', filter.registry.toLowerCase());
  if (filter.repository !== undefined) add('p.repository = ?', filter.repository);
  if (filter.tag !== undefined) add('p.tag = ?', filter.tag);
  if (filter.organization !== undefined) {
    const org = filter.organization.toLowerCase();
    add('(r.organization_name = ? OR r.organization_url = ?)', org, normalizeOrganizationUrl(org));
  }
  // Names match only where the sender vouched for them (see `VerifiedNames`); ids always do.
  if (filter.project !== undefined) {
    add(
      '(r.project_id = ? OR (r.project_name_verified AND lower(r.project_name) = ?))',
      filter.project.toLowerCase(),
      filter.project.toLowerCase(),
    );
  }
  if (filter.pipeline !== undefined) {
    if (/^\d{1,9}$/.test(filter.pipeline)) add('r.definition_id = ?', Number(filter.pipeline));
    else add('(r.definition_name_verified AND lower(r.definition_name) = ?)', filter.pipeline.toLowerCase());
  }
  if (filter.sourceRepository !== undefined) {
    const repo = filter.sourceRepository.replace(/\/+$/, '').toLowerCase();
    add("(lower(rtrim(r.source_url, '/')) = ? OR (r.source_name_verified AND lower(r.source_name) = ?))", repo, repo);
  }
  if (filter.commit !== undefined) add('r.commit_sha = ?', filter.commit.toLowerCase());
  if (filter.hub !== undefined) add('r.hub = ?', filter.hub);
  if (filter.runId !== undefined) add('r.run_id = ?', filter.runId);
  if (filter.provider !== undefined) add('r.provider = ?', filter.provider);
  if (filter.sinceMs !== undefined) add('p.pushed_at_ms >= ?', filter.sinceMs);
  if (filter.untilMs !== undefined) add('p.pushed_at_ms <= ?', filter.untilMs);
  const visible = filter.visibleOrganizationUrls;
  if (visible !== undefined) {
    if (visible.length === 0) add('1 = 0');
    else add(`r.organization_url IN (${placeholders(visible.length)})`, ...visible);
  }
  if (page.cursor !== undefined) {
    const after = decodeCursor(page.cursor);
    add('(p.pushed_at_ms < ? OR (p.pushed_at_ms = ? AND p.id < ?))', after.pushedAtMs, after.pushedAtMs, after.id);
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `${PUSH_SELECT} ${clause} ORDER BY p.pushed_at_ms DESC, p.id DESC LIMIT ?`,
    params: [...params, page.limit + 1],
  };
}
