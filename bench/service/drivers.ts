/**
 * The baseline: the same writes and reads straight through the driver, no HTTP, no
 * validation, no authentication: what the database alone costs.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Report } from '../../common/report';
import { pushValues, reportValues } from '../../service/src/store/rows';
import { UPSERT_REPORT_SQL, imageQuery, insertPushesSql } from '../../service/src/store/sql/queries';
import { numberPlaceholders } from '../../service/src/store/postgres/postgresStore';

const context = { principal: 'bench', receivedAt: new Date(), ambiguityWindowMs: 1500 };

/** Writes one report and its pushes in one transaction, with the driver alone. */
export type DriverWrite = (report: Report) => Promise<void>;
/** Reads the pushes of one digest with the driver alone. */
export type DriverRead = (digest: string) => Promise<number>;

export function sqliteDriver(db: Database.Database): { write: DriverWrite; read: DriverRead } {
  const upsert = db.prepare(`${UPSERT_REPORT_SQL} RETURNING id`);
  const insert = db.prepare(insertPushesSql(3));
  const select = db.prepare(imageQuery('x').sql);
  const tx = db.transaction((report: Report) => {
    const { id } = upsert.get(...reportValues(report, context).map((v) => (typeof v === 'boolean' ? Number(v) : v))) as { id: number };
    insert.run(...pushValues(report, id).flat());
  });
  return {
    write: async (report) => {
      tx.immediate(report);
    },
    read: async (digest) => select.all(digest).length,
  };
}

export function postgresDriver(pool: pg.Pool): { write: DriverWrite; read: DriverRead } {
  const upsert = numberPlaceholders(`${UPSERT_REPORT_SQL} RETURNING id`);
  const insert = numberPlaceholders(insertPushesSql(3));
  const select = numberPlaceholders(imageQuery('x').sql);
  return {
    write: async (report) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: number }>(upsert, reportValues(report, context));
        await client.query(insert, pushValues(report, rows[0]!.id).flat());
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    read: async (digest) => (await pool.query({ name: 'bench-read', text: select, values: [digest] })).rowCount ?? 0,
  };
}
