/**
 * Reads the stored copy of a report straight from the database, below the store's interface,
 * so a test can check that what was stored is what was sent, field by field.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { parsePostgresUrl } from '../../../service/src/store/postgres/connection';
import type { TestDatabase } from './stores';

/** The stored `report_json` of the report with this idempotency key, parsed; null when none. */
export async function readStoredReport(db: TestDatabase, idempotencyKey: string): Promise<unknown> {
  const sql = 'SELECT report_json FROM reports WHERE idempotency_key = ';
  if (db.url.startsWith('sqlite:')) {
    const conn = new Database(db.url.slice('sqlite:'.length), { readonly: true });
    try {
      const row = conn.prepare(`${sql}?`).get(idempotencyKey) as { report_json: string } | undefined;
      return row ? (JSON.parse(row.report_json) as unknown) : null;
    } finally {
      conn.close();
    }
  }
  const target = parsePostgresUrl(db.url, 1);
  const client = new pg.Client(target.pool);
  await client.connect();
  try {
    const result = await client.query<{ report_json: string }>(`${sql}$1`, [idempotencyKey]);
    const row = result.rows[0];
    return row ? (JSON.parse(row.report_json) as unknown) : null;
  } finally {
    await client.end();
  }
}
