/**
 * SQL of the by-source view, of the image detail's explorer part and of coverage with its unmapped
 * list (issue 10), for both databases with `?` placeholders. Every query that decides whether a
 * digest is "mapped" or "built by a source" joins `pushes.digest` to `running_images.digest` or
 * filters on it by equality; "mapped" also follows index ↔ platform manifest relations (`relatedExists`).
 */
import { PUSH_SELECT } from '../rows';
import { scopeCondition, type ReadScope } from '../readScope';
import type { SourceFilter } from '../explorerSource';
import type { Query } from './queries';
import { relatedExists, relatedParams } from './platforms';

type Param = string | number;

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Conditions on `pushes p` and `reports r`, and their values. */
export interface Conditions {
  where: string[];
  params: Param[];
}

/** The conditions a push `p` and its report `r` must meet to be one of the source's that the reader may see. */
export function sourceConditions(filter: SourceFilter, scope: ReadScope): Conditions {
  const where: string[] = [];
  const params: Param[] = [];
  // Names match only where the sender vouched for them (see `VerifiedNames`), as in `pushListQuery`; URLs and ids always do.
  if (filter.repository !== undefined) {
    const repo = filter.repository.replace(/\/+$/, '').toLowerCase();
    where.push("(lower(rtrim(r.source_url, '/')) = ? OR lower(r.source_id) = ? OR (r.source_name_verified AND lower(r.source_name) = ?))");
    params.push(repo, repo, repo);
  }
  if (filter.definitionId !== undefined) {
    where.push('r.definition_id = ? AND r.hub = ?');
    params.push(filter.definitionId, filter.hub ?? 'build');
  }
  if (filter.project !== undefined) {
    where.push('(r.project_id = ? OR (r.project_name_verified AND lower(r.project_name) = ?))');
    params.push(filter.project.toLowerCase(), filter.project.toLowerCase());
  }
  if (filter.organization !== undefined) {
    const org = filter.organization.replace(/\/+$/, '').toLowerCase();
    where.push('(r.organization_name = ? OR r.organization_url = ?)');
    params.push(org, org);
  }
  if (filter.sinceMs !== undefined) {
    where.push('p.pushed_at_ms >= ?');
    params.push(filter.sinceMs);
  }
  if (filter.untilMs !== undefined) {
    where.push('p.pushed_at_ms <= ?');
    params.push(filter.untilMs);
  }
  const visible = scopeCondition(scope, 'r');
  if (visible) {
    where.push(visible.sql);
    params.push(...visible.params);
  }
  return { where, params };
}

/** Where a page of a source's images starts: the last row of the previous page. */
export type SourceKey = [lastPushedAtMs: number, digest: string];

/** A page of the digests the source pushed, most recently pushed first; one more than `limit`, to know whether more follow. */
export function sourceDigestsQuery(filter: SourceFilter, scope: ReadScope, after: SourceKey | null, limit: number): Query {
  const { where, params } = sourceConditions(filter, scope);
  const having = after === null ? '' : 'HAVING max(p.pushed_at_ms) < ? OR (max(p.pushed_at_ms) = ? AND p.digest > ?)';
  return {
    sql: `SELECT p.digest, max(p.pushed_at_ms) AS last_ms
            FROM pushes p JOIN reports r ON r.id = p.report_id
           WHERE ${where.join(' AND ')}
           GROUP BY p.digest ${having}
           ORDER BY last_ms DESC, p.digest
           LIMIT ?`,
    params: [...params, ...(after === null ? [] : [after[0], after[0], after[1]]), limit + 1],
  };
}

/** `PUSH_SELECT` of the source's pushes of `digests`, each digest's newest first. */
export function sourcePushesQuery(filter: SourceFilter, scope: ReadScope, digests: readonly string[]): Query {
  const { where, params } = sourceConditions(filter, scope);
  return {
    sql: `${PUSH_SELECT} WHERE ${[...where, `p.digest IN (${placeholders(digests.length)})`].join(' AND ')}
          ORDER BY p.digest, p.pushed_at_ms DESC, p.id DESC`,
    params: [...params, ...digests],
  };
}

/** The exposure paths of workload `w`, as one JSON array text (text concatenation: both databases, same syntax). */
const PATHS_JSON = `(SELECT '[' || coalesce(string_agg(p.path_json, ',' ORDER BY p.path_no), '') || ']'
                       FROM exposure_paths p WHERE p.snapshot_id = w.snapshot_id AND p.workload_no = w.workload_no)`;

const RUNNING_FROM = `FROM running_images i
       JOIN snapshot_workloads w ON w.snapshot_id = i.snapshot_id AND w.workload_no = i.workload_no
       JOIN cluster_snapshots s ON s.id = w.snapshot_id`;

/** Every workload (of every cluster's snapshot) running one of `digests`, one row per running image. */
export function runningPlacesQuery(digests: readonly string[]): Query {
  return {
    sql: `SELECT i.digest, s.cluster, s.taken_at, w.namespace, w.kind, w.name, w.internet_exposed, i.references_json,
                 ${PATHS_JSON} AS paths_json
            ${RUNNING_FROM}
           WHERE i.digest IN (${placeholders(digests.length)})
           ORDER BY i.digest, s.cluster, w.namespace, w.kind, w.name, i.image_no`,
    params: [...digests],
  };
}

/**
 * Whether a push of `i.digest`, or of a digest related to it (an index and its platform manifests), by a run
 * the reader may see exists: what "mapped" means.
 */
function mappedCondition(scope: ReadScope): { sql: string; params: string[] } {
  const visible = scopeCondition(scope, 'r');
  return visible === null
    ? { sql: relatedExists('i.digest', (d) => `SELECT 1 FROM pushes p WHERE p.digest = ${d}`), params: [] }
    : {
        sql: relatedExists(
          'i.digest',
          (d) => `SELECT 1 FROM pushes p JOIN reports r ON r.id = p.report_id WHERE p.digest = ${d} AND ${visible.sql}`,
        ),
        params: relatedParams(visible.params),
      };
}

/** Running images per cluster and namespace: distinct digests, those a visible run pushed, and those without a digest. */
export function visibleCoverageQuery(cluster: string | undefined, scope: ReadScope): Query {
  const mapped = mappedCondition(scope);
  return {
    sql: `SELECT s.cluster, w.namespace,
                 count(DISTINCT i.digest) AS images,
                 count(DISTINCT CASE WHEN ${mapped.sql} THEN i.digest END) AS mapped,
                 sum(i.unresolved) AS unresolved
            ${RUNNING_FROM}
            ${cluster === undefined ? '' : 'WHERE s.cluster = ?'}
           GROUP BY s.cluster, w.namespace
           ORDER BY s.cluster, w.namespace`,
    params: [...mapped.params, ...(cluster === undefined ? [] : [cluster])],
  };
}

/** Every (workload, digest) running a digest that no visible run pushed, by cluster, namespace and digest. */
export function unmappedQuery(cluster: string | undefined, scope: ReadScope): Query {
  const mapped = mappedCondition(scope);
  return {
    sql: `SELECT s.cluster, w.namespace, i.digest, w.kind, w.name, i.references_json
            ${RUNNING_FROM}
           WHERE i.digest IS NOT NULL AND NOT ${mapped.sql} ${cluster === undefined ? '' : 'AND s.cluster = ?'}
           ORDER BY s.cluster, w.namespace, i.digest, w.kind, w.name, i.image_no`,
    params: [...mapped.params, ...(cluster === undefined ? [] : [cluster])],
  };
}
