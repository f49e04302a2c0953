/**
 * Claims (migration 010), written once for both databases with `?` placeholders: one statement takes
 * a claim that is free or has lapsed, and says by its row count whether it was taken.
 */

/**
 * Takes `claim_key` for `holder` until `expires_at_ms` (params: key, holder, expiresAtMs, nowMs). A row
 * held by another holder is replaced only when it has lapsed; a conflict that does not update changes no
 * row (SQLite `changes`, PostgreSQL `rowCount`: 0), so the count says whether this holder has it now.
 */
export const TAKE_CLAIM_SQL = `INSERT INTO claims (claim_key, holder, expires_at_ms) VALUES (?, ?, ?)
  ON CONFLICT (claim_key) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
  WHERE claims.expires_at_ms <= ?`;

/** Gives a claim back (params: key, holder); one another holder took after it lapsed stays theirs. */
export const RELEASE_CLAIM_SQL = 'DELETE FROM claims WHERE claim_key = ? AND holder = ?';
