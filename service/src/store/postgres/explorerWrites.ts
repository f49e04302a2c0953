/**
 * The explorer's imports on PostgreSQL, each one transaction. Several service instances may import
 * at once: a transaction-scoped advisory lock per cluster, and per (digest, tool) for findings,
 * taken in sorted order, makes two imports of the same thing run one after the other. Without
 * them, two READ COMMITTED transactions could each delete what was there before and both insert,
 * leaving the findings twice (or fail on the cluster's unique name).
 */
import type pg from 'pg';
import type { ClusterSnapshot } from '../../explorer/kubernetes/model';
import type { ImageScan } from '../../explorer/vulnerabilities/finding';
import {
  DELETE_SNAPSHOT_SQL,
  INSERT_SNAPSHOT_SQL,
  refuseOlderSnapshot,
  scanStatements,
  SNAPSHOT_TAKEN_AT_SQL,
  snapshotStatements,
  type Statement,
} from '../sql/explorer';
import type { SnapshotOrigin } from '../store';
import { numberPlaceholders } from './placeholders';
import { transaction } from './pool';
import type { PlatformRelation } from '../../explorer/platforms/relation';
import { runPlatformStatements, sortedRelationStatements } from './platformWrites';

/** Takes the advisory locks of the keys in $1, sorted (no deadlocks between two importers). */
const LOCK_KEYS_SQL = `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
  FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS sorted`;

async function runAll(c: pg.PoolClient, statements: readonly Statement[]): Promise<void> {
  for (const s of statements) await c.query(numberPlaceholders(s.sql), s.params);
}

/** See `Store.replaceClusterSnapshot`. */
export async function replaceClusterSnapshot(
  pool: pg.Pool,
  cluster: string,
  snapshot: ClusterSnapshot,
  takenAt: Date,
  source: string,
  origin: SnapshotOrigin = {},
): Promise<void> {
  await transaction(pool, async (c) => {
    await c.query(LOCK_KEYS_SQL, [[`container-mapping:cluster:${cluster}`]]);
    const stored = await c.query<{ taken_at: string }>(numberPlaceholders(SNAPSHOT_TAKEN_AT_SQL), [cluster]);
    refuseOlderSnapshot(cluster, stored.rows[0]?.taken_at, takenAt);
    await c.query(numberPlaceholders(DELETE_SNAPSHOT_SQL), [cluster]);
    const { rows } = await c.query<{ id: number }>(numberPlaceholders(INSERT_SNAPSHOT_SQL), [
      cluster,
      takenAt.toISOString(),
      source,
      (origin.importedAt ?? new Date()).getTime(),
      origin.importedBy ?? null,
    ]);
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('the snapshot row was not returned');
    await runAll(c, snapshotStatements(id, snapshot));
  });
}

/** See `Store.replaceScans`. */
export async function replaceScans(pool: pg.Pool, scans: readonly ImageScan[], relations: readonly PlatformRelation[] = []): Promise<void> {
  const keys = [...new Set(scans.map((s) => `container-mapping:scan:${s.digest} ${s.source.format}`))];
  await transaction(pool, async (c) => {
    await c.query(LOCK_KEYS_SQL, [keys]);
    const now = Date.now();
    await runAll(c, scanStatements(scans, now));
    await runPlatformStatements(c, sortedRelationStatements(relations, now));
  });
}
