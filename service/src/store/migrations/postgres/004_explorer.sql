-- The explorer's data (issue 10): one snapshot per cluster (re-importing a cluster replaces it,
-- its rows go with it by cascade), and scanner findings keyed by manifest digest and tool.
-- Flags are INTEGER 0/1 on both databases so that the shared SQL compares them the same way.
CREATE TABLE cluster_snapshots (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cluster TEXT NOT NULL UNIQUE,
  taken_at TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at_ms BIGINT NOT NULL
);

CREATE TABLE snapshot_workloads (
  snapshot_id BIGINT NOT NULL REFERENCES cluster_snapshots (id) ON DELETE CASCADE,
  workload_no INTEGER NOT NULL,
  namespace TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  labels_json TEXT NOT NULL,
  internet_exposed INTEGER NOT NULL CHECK (internet_exposed IN (0, 1)),
  PRIMARY KEY (snapshot_id, workload_no)
);
CREATE INDEX snapshot_workloads_namespace ON snapshot_workloads (snapshot_id, namespace);

CREATE TABLE running_images (
  snapshot_id BIGINT NOT NULL,
  workload_no INTEGER NOT NULL,
  image_no INTEGER NOT NULL,
  digest TEXT CHECK (digest IS NULL OR (char_length(digest) = 71 AND substr(digest, 1, 7) = 'sha256:')),
  unresolved INTEGER NOT NULL CHECK (unresolved IN (0, 1)),
  config_id TEXT,
  references_json TEXT NOT NULL,
  repositories_json TEXT NOT NULL,
  containers_json TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, workload_no, image_no),
  FOREIGN KEY (snapshot_id, workload_no) REFERENCES snapshot_workloads (snapshot_id, workload_no) ON DELETE CASCADE
);
CREATE INDEX running_images_digest ON running_images (digest);

CREATE TABLE exposure_paths (
  snapshot_id BIGINT NOT NULL,
  workload_no INTEGER NOT NULL,
  path_no INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('internet', 'node')),
  path_json TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, workload_no, path_no),
  FOREIGN KEY (snapshot_id, workload_no) REFERENCES snapshot_workloads (snapshot_id, workload_no) ON DELETE CASCADE
);

CREATE TABLE scan_findings (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  digest TEXT NOT NULL CHECK (char_length(digest) = 71 AND substr(digest, 1, 7) = 'sha256:'),
  tool TEXT NOT NULL CHECK (tool IN ('trivy', 'grype', 'trivy-operator')),
  vulnerability_id TEXT NOT NULL,
  aliases_json TEXT NOT NULL,
  advisories_json TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'negligible', 'unknown')),
  severity_rank INTEGER NOT NULL,
  package_name TEXT NOT NULL,
  installed_version TEXT NOT NULL,
  fixed_version TEXT,
  scanner TEXT NOT NULL,
  scanner_version TEXT,
  scanned_at TEXT,
  image_references_json TEXT NOT NULL,
  imported_at_ms BIGINT NOT NULL
);
CREATE INDEX scan_findings_digest ON scan_findings (digest, tool);
