/**
 * SQL of the index ↔ platform manifest relations (migration 005), for both databases with `?`
 * placeholders, and the pure mapping between rows and relations.
 */
import type { PlatformRelation, RelationSource } from '../../explorer/platforms/relation';
import type { Query } from './queries';
import type { RegistryLookupRecord } from '../store';

/** One statement to run, its values bound as parameters (the shape of `explorer.ts`'s `Statement`). */
export interface Statement {
  sql: string;
  params: Array<string | number | null>;
}

/** Rows per INSERT: well under both databases' limits on bound parameters. */
const ROWS_PER_INSERT = 200;

const RELATION_COLUMNS = ['index_digest', 'platform_digest', 'os', 'architecture', 'variant', 'source', 'evidence', 'recorded_at_ms'];

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/**
 * INSERTs of `relations`; a relation already stored from the same source is left as it was (the first
 * evidence stays: a digest's content never changes, so neither does what it lists).
 */
export function relationStatements(relations: readonly PlatformRelation[], recordedAtMs: number): Statement[] {
  const unique = new Map(relations.map((r) => [`${r.indexDigest} ${r.platformDigest} ${r.source}`, r]));
  const rows = [...unique.values()].map((r): Array<string | number | null> => [
    r.indexDigest,
    r.platformDigest,
    r.platform?.os ?? null,
    r.platform?.architecture ?? null,
    r.platform?.variant ?? null,
    r.source,
    r.evidence,
    recordedAtMs,
  ]);
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    statements.push({
      sql: `INSERT INTO manifest_platforms (${RELATION_COLUMNS.join(', ')})
            VALUES ${chunk.map(() => `(${placeholders(RELATION_COLUMNS.length)})`).join(', ')}
            ON CONFLICT (index_digest, platform_digest, source) DO NOTHING`,
      params: chunk.flat(),
    });
  }
  return statements;
}

/** Every relation in which one of `digests` is the index or the platform manifest. */
export function relationsQuery(digests: readonly string[]): Query {
  const list = placeholders(digests.length);
  return {
    sql: `SELECT index_digest, platform_digest, os, architecture, variant, source, evidence FROM manifest_platforms
           WHERE index_digest IN (${list}) OR platform_digest IN (${list})
           ORDER BY index_digest, platform_digest, source`,
    params: [...digests, ...digests],
  };
}

/** A stored relation back into its plain form. */
export function toRelation(row: Record<string, unknown>): PlatformRelation {
  const os = row.os === null ? null : String(row.os);
  const architecture = row.architecture === null ? null : String(row.architecture);
  return {
    indexDigest: String(row.index_digest),
    platformDigest: String(row.platform_digest),
    platform:
      os !== null && architecture !== null ? { os, architecture, variant: row.variant === null ? null : String(row.variant) } : null,
    source: String(row.source) as RelationSource,
    evidence: String(row.evidence),
  };
}

/**
 * SQL that is true when the digest in `column`, or a digest related to it (its platform manifests, the
 * indexes listing it), satisfies `subquery`; each `?` in the subquery must be bound three times, see
 * `relatedParams`. Example: `relatedExists('i.digest', (d) => \`SELECT 1 FROM pushes p WHERE p.digest = ${d}\`)`.
 * The direct test comes first, so an image without relations costs what it cost before.
 */
export function relatedExists(column: string, subquery: (digest: string) => string): string {
  return `(EXISTS (${subquery(column)})
        OR EXISTS (SELECT 1 FROM manifest_platforms mp WHERE mp.index_digest = ${column} AND EXISTS (${subquery('mp.platform_digest')}))
        OR EXISTS (SELECT 1 FROM manifest_platforms mp WHERE mp.platform_digest = ${column} AND EXISTS (${subquery('mp.index_digest')})))`;
}

/** The parameters of a `relatedExists` subquery, once for each of its three uses. */
export function relatedParams<T>(params: readonly T[]): T[] {
  return [...params, ...params, ...params];
}

/** Records (or replaces) the lookup of one digest. */
export function lookupStatement(lookup: RegistryLookupRecord, atMs: number): Statement {
  return {
    sql: `INSERT INTO registry_lookups (digest, repository, outcome, detail, looked_up_at_ms) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (digest) DO UPDATE SET repository = excluded.repository, outcome = excluded.outcome,
            detail = excluded.detail, looked_up_at_ms = excluded.looked_up_at_ms`,
    params: [lookup.digest, lookup.repository, lookup.outcome, lookup.detail, atMs],
  };
}

/**
 * Running digests of one cluster that nothing maps to a run: no push and no relation names them, and the
 * registry was not asked yet — or was asked and failed before `retryFailedBeforeMs`. (A digest with
 * findings but no push is still asked about: a push of one of its platform manifests would map it.)
 * With the repositories the runtime pulled each from.
 */
export function unexplainedDigestsQuery(cluster: string, retryFailedBeforeMs: number, limit: number): Query {
  return {
    sql: `SELECT i.digest, i.repositories_json
            FROM running_images i
            JOIN cluster_snapshots s ON s.id = i.snapshot_id
           WHERE s.cluster = ? AND i.digest IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM pushes p WHERE p.digest = i.digest)
             AND NOT EXISTS (SELECT 1 FROM manifest_platforms m WHERE m.index_digest = i.digest OR m.platform_digest = i.digest)
             AND NOT EXISTS (SELECT 1 FROM registry_lookups l WHERE l.digest = i.digest
                               AND (l.outcome <> 'failed' OR l.looked_up_at_ms >= ?))
           ORDER BY i.digest
           LIMIT ?`,
    params: [cluster, retryFailedBeforeMs, limit],
  };
}
