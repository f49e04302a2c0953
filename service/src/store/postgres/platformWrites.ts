/**
 * Index ↔ platform manifest relations on PostgreSQL. Rows are only ever inserted (`ON CONFLICT DO
 * NOTHING`), so two instances recording the same relation need no lock: the second one waits for the
 * first one's row and then does nothing. Relations are written in key order, so two transactions
 * inserting overlapping sets wait for each other rather than deadlock.
 */
import type pg from 'pg';
import type { PlatformRelation } from '../../explorer/platforms/relation';
import { lookupStatement, relationStatements, type Statement } from '../sql/platforms';
import type { RegistryLookupRecord } from '../store';
import { numberPlaceholders } from './placeholders';
import { transaction } from './pool';

const byKey = (a: PlatformRelation, b: PlatformRelation): number =>
  a.indexDigest.localeCompare(b.indexDigest) || a.platformDigest.localeCompare(b.platformDigest) || a.source.localeCompare(b.source);

/** The statements that record `relations`, in key order. */
export function sortedRelationStatements(relations: readonly PlatformRelation[], recordedAtMs: number): Statement[] {
  return relationStatements([...relations].sort(byKey), recordedAtMs);
}

/** Runs statements inside the caller's transaction. */
export async function runPlatformStatements(c: pg.PoolClient, statements: readonly Statement[]): Promise<void> {
  for (const s of statements) await c.query(numberPlaceholders(s.sql), s.params);
}

/** See `Store.recordPlatformRelations`. */
export async function recordPlatformRelations(pool: pg.Pool, relations: readonly PlatformRelation[]): Promise<void> {
  if (relations.length === 0) return;
  await transaction(pool, (c) => runPlatformStatements(c, sortedRelationStatements(relations, Date.now())));
}

/** See `Store.recordRegistryLookup`. */
export async function recordRegistryLookup(
  pool: pg.Pool,
  lookup: RegistryLookupRecord,
  relations: readonly PlatformRelation[],
): Promise<void> {
  const now = Date.now();
  await transaction(pool, (c) => runPlatformStatements(c, [...sortedRelationStatements(relations, now), lookupStatement(lookup, now)]));
}
