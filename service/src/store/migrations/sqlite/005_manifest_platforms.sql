-- Index vs platform manifests (issue 10): a workload may run a multi-platform index while a report or a
-- scan names one of its platform manifests, or the reverse. Each row says one index lists one platform
-- manifest, and who said so (report, scan or registry) with its evidence; the same relation from two
-- sources is two rows. Content-addressed digests never change what they name, so rows are never
-- updated, and deleting a report or a scan does not make a relation false: they stay.
CREATE TABLE manifest_platforms (
  index_digest TEXT NOT NULL CHECK (length(index_digest) = 71 AND substr(index_digest, 1, 7) = 'sha256:'),
  platform_digest TEXT NOT NULL CHECK (length(platform_digest) = 71 AND substr(platform_digest, 1, 7) = 'sha256:'),
  os TEXT,
  architecture TEXT,
  variant TEXT,
  source TEXT NOT NULL CHECK (source IN ('report', 'scan', 'registry')),
  evidence TEXT NOT NULL,
  recorded_at_ms INTEGER NOT NULL,
  PRIMARY KEY (index_digest, platform_digest, source),
  CHECK (index_digest <> platform_digest)
);
CREATE INDEX manifest_platforms_platform ON manifest_platforms (platform_digest);

-- What the registry said when the service asked it about a running digest nothing else explained:
-- 'index' (its platforms are in manifest_platforms), 'manifest' (a single-platform manifest) or
-- 'failed' (asked again after a while). One row per digest: the cache that keeps the service from
-- asking twice.
CREATE TABLE registry_lookups (
  digest TEXT PRIMARY KEY CHECK (length(digest) = 71 AND substr(digest, 1, 7) = 'sha256:'),
  repository TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('index', 'manifest', 'failed')),
  detail TEXT,
  looked_up_at_ms INTEGER NOT NULL
);
