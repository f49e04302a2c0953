-- Reports (one per job attempt) and the image pushes they carry.
CREATE TABLE reports (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  organization_url TEXT NOT NULL,
  organization_name TEXT NOT NULL,
  project_id TEXT NOT NULL,
  project_name TEXT NOT NULL,
  hub TEXT NOT NULL,
  definition_id INTEGER NOT NULL,
  definition_name TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  run_number TEXT NOT NULL,
  run_url TEXT,
  job_id TEXT NOT NULL,
  job_name TEXT,
  job_attempt INTEGER NOT NULL,
  stage TEXT,
  source_provider TEXT,
  source_url TEXT,
  source_name TEXT,
  source_id TEXT,
  commit_sha TEXT,
  branch TEXT,
  agent_name TEXT,
  agent_os TEXT,
  agent_self_hosted BOOLEAN,
  principal TEXT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  report_json TEXT NOT NULL
);
CREATE INDEX reports_run ON reports (run_id, hub);
CREATE INDEX reports_organization ON reports (organization_name);
CREATE INDEX reports_project ON reports (project_id);
CREATE INDEX reports_definition ON reports (definition_id);
CREATE INDEX reports_commit ON reports (commit_sha);
CREATE INDEX reports_source_url ON reports (source_url);

CREATE TABLE pushes (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report_id BIGINT NOT NULL REFERENCES reports (id),
  digest TEXT NOT NULL CHECK (char_length(digest) = 71 AND substr(digest, 1, 7) = 'sha256:'),
  registry TEXT NOT NULL,
  repository TEXT NOT NULL,
  tag TEXT,
  image_id TEXT,
  os TEXT,
  architecture TEXT,
  origin TEXT NOT NULL,
  pushed_at TEXT NOT NULL,
  pushed_at_ms BIGINT NOT NULL,
  run_key TEXT NOT NULL,
  attribution TEXT NOT NULL DEFAULT 'exclusive' CHECK (attribution IN ('exclusive', 'ambiguous')),
  attribution_reason TEXT
);
CREATE INDEX pushes_digest ON pushes (digest);
CREATE INDEX pushes_report ON pushes (report_id);
CREATE INDEX pushes_time ON pushes (pushed_at_ms DESC, id DESC);
CREATE INDEX pushes_repository ON pushes (registry, repository, tag);
