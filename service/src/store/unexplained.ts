/** Rows of `unexplainedDigestsQuery` into one entry per digest, both stores alike. */
import type { UnexplainedDigest } from './store';

export function toUnexplained(rows: ReadonlyArray<Record<string, unknown>>): UnexplainedDigest[] {
  const byDigest = new Map<string, Set<string>>();
  for (const row of rows) {
    const repositories = byDigest.get(String(row.digest)) ?? new Set<string>();
    for (const r of JSON.parse(String(row.repositories_json)) as string[]) repositories.add(r);
    byDigest.set(String(row.digest), repositories);
  }
  return [...byDigest].map(([digest, repositories]) => ({ digest, repositories: [...repositories].sort() }));
}
