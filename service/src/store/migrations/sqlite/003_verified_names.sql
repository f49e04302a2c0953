-- Whether the sender of a report vouched for its project, pipeline and source repository
-- names (issue 8.4): a name nobody vouched for is kept and shown, but the name filters never
-- match it. Reports stored before this migration keep matching by name, as they did.
ALTER TABLE reports ADD COLUMN project_name_verified INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reports ADD COLUMN definition_name_verified INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reports ADD COLUMN source_name_verified INTEGER NOT NULL DEFAULT 1;
