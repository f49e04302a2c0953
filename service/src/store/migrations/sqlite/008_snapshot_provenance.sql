-- Who made each cluster snapshot (issue 10): `token:<name>` for an import through the API (the token's
-- configured name, never the token), `scheduled-sync:<API server>` for the scheduled sync inside `serve`.
-- NULL for snapshots stored before this migration. With it, `taken_at` is when the cluster was read at
-- its source (as the importer says, else when the service received it) and `imported_at_ms` when it was
-- stored; `source` says how it came (`import` through the API, `sync` inside the service).
ALTER TABLE cluster_snapshots ADD COLUMN imported_by TEXT;
