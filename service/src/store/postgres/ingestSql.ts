/**
 * The statements PostgreSQL ingestion runs, written for a batch of reports (a single report is
 * a batch of one): every value travels as one array per column, so a batch costs the same
 * number of round trips as one report.
 */
import { PUSH_COLUMNS, REPORT_COLUMNS } from '../rows';
import { ATTRIBUTION_CANDIDATES_SELECT } from '../sql/queries';

const INTEGER_COLUMNS = new Set(['definition_id', 'job_attempt']);
/** `run_id` is bigint since migration 009 (GitHub's run ids). */
const BIGINT_COLUMNS = new Set(['run_id', 'report_id']);
const BOOLEAN_COLUMNS = new Set(['agent_self_hosted', 'project_name_verified', 'definition_name_verified', 'source_name_verified']);
const arrayType = (column: string): string =>
  INTEGER_COLUMNS.has(column)
    ? 'integer[]'
    : BOOLEAN_COLUMNS.has(column)
      ? 'boolean[]'
      : column.endsWith('_ms') || BIGINT_COLUMNS.has(column)
        ? 'bigint[]'
        : 'text[]';
const unnest = (columns: readonly string[], first = 1): string =>
  `unnest(${columns.map((c, i) => `$${first + i}::${arrayType(c)}`).join(', ')}) AS v(${columns.join(', ')})`;

/**
 * Inserts the reports (one array per `REPORT_COLUMNS` entry), or replaces the stored report
 * of the same idempotency key when it differs; identical ones are left alone and return no
 * row. Rows are locked in key order, so two instances' batches never wait on each other in a
 * cycle. The batch must not hold one key twice.
 */
export const UPSERT_REPORTS_SQL = `
  INSERT INTO reports (${REPORT_COLUMNS.join(', ')})
  SELECT * FROM ${unnest(REPORT_COLUMNS)} ORDER BY v.idempotency_key
  ON CONFLICT (idempotency_key) DO UPDATE SET
  ${REPORT_COLUMNS.filter((c) => c !== 'idempotency_key')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}
  WHERE reports.report_json IS DISTINCT FROM excluded.report_json
  RETURNING id, idempotency_key, (xmax = 0) AS created`;

/**
 * Replaces the pushes of the reports in $1 (ids) with the pushes in $2… (one array per
 * `PUSH_COLUMNS` entry), and takes the advisory lock of every digest they had or have, in
 * sorted order (no deadlocks): one lock per digest serialises the ambiguity decision.
 */
export const WRITE_PUSHES_SQL = `
  WITH deleted AS (DELETE FROM pushes WHERE report_id = ANY($1::bigint[]) RETURNING digest),
  inserted AS (
    INSERT INTO pushes (${PUSH_COLUMNS.join(', ')}) SELECT * FROM ${unnest(PUSH_COLUMNS, 2)}
    RETURNING digest),
  digests AS (SELECT digest FROM deleted UNION SELECT digest FROM inserted),
  locked AS (
    SELECT pg_advisory_xact_lock(hashtextextended(digest, 0)) FROM (SELECT digest FROM digests ORDER BY digest) AS sorted)
  SELECT (SELECT count(*) FROM locked) AS locks, array(SELECT digest FROM digests ORDER BY digest) AS digests`;

/** Every push of the given digests (an array in $1), with what the attribution rule needs. */
export const CANDIDATES_SQL = `${ATTRIBUTION_CANDIDATES_SELECT} WHERE p.digest = ANY($1::text[])`;

/** Sets the attribution of several pushes: $1 ids, $2 attributions, $3 reasons. */
export const UPDATE_ATTRIBUTION_SQL = `
  UPDATE pushes AS p SET attribution = v.attribution, attribution_reason = v.reason
    FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, attribution, reason) WHERE p.id = v.id`;

/** What is stored for the unchanged reports whose keys are in $1. */
export const UNCHANGED_SQL = `
  SELECT r.id, r.idempotency_key, count(p.id)::int AS images,
         count(p.id) FILTER (WHERE p.attribution = 'ambiguous')::int AS ambiguous
    FROM reports r LEFT JOIN pushes p ON p.report_id = r.id WHERE r.idempotency_key = ANY($1::text[]) GROUP BY r.id`;

/** Transposes rows into one array per column, as the statements above take them. */
export function columnsOf<T>(rows: T[][], width: number): T[][] {
  return Array.from({ length: width }, (_, i) => rows.map((row) => row[i] as T));
}
