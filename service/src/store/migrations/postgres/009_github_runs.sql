-- GitHub Actions runs beside Azure DevOps runs (issue 13). A GitHub report (version 2) is kept
-- whole in report_json and its run in the run columns every query reads: organisation = the
-- owner's URL (https://github.com/<owner>), project = the repository (id, owner/name),
-- pipeline = the workflow (definition_id 0: GitHub's tokens carry no workflow id), run = the run
-- (id, number), job_attempt = run_attempt. What has no column there is added here; existing
-- rows are Azure DevOps runs. GitHub's run ids are past 2^31: run_id becomes bigint.
ALTER TABLE reports ALTER COLUMN run_id TYPE BIGINT;
ALTER TABLE reports ADD COLUMN provider TEXT NOT NULL DEFAULT 'azure-devops' CHECK (provider IN ('azure-devops', 'github'));
ALTER TABLE reports ADD COLUMN github_server_url TEXT;
ALTER TABLE reports ADD COLUMN github_owner_id TEXT;
ALTER TABLE reports ADD COLUMN github_workflow_ref TEXT;
ALTER TABLE reports ADD COLUMN github_runner_environment TEXT;
ALTER TABLE reports ADD COLUMN github_event_name TEXT;
