/**
 * The run, job and runner as the runner gives them to every step (GITHUB_* and RUNNER_*
 * variables: docs.github.com, "Variables reference", default environment variables), in the
 * report's version-2 shapes (common/githubReport.ts). Pure.
 */
import type { GitHubRun, GitHubRunner } from '../../common/githubReport';

/** The run and runner of this job, or the variables that were missing to name it. */
export type GitHubRunOutcome = { ok: true; run: GitHubRun; runner: GitHubRunner } | { ok: false; missing: string[] };

function value(env: Record<string, string | undefined>, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The job within the run, unique among its jobs. Every leg of a matrix shares GITHUB_JOB, so the
 * matrix values (the `matrix` input's default, `toJSON(matrix)`: the runner lets an action's
 * input default read the `matrix` context, actions/runner src/Runner.Worker/action_yaml.json
 * `input-default-context`) are added in parentheses: `build (linux, 20)`.
 */
export function jobKey(job: string, matrixJson: string | undefined): string {
  let matrix: unknown;
  try {
    matrix = matrixJson === undefined ? undefined : JSON.parse(matrixJson);
  } catch {
    matrix = undefined;
  }
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix)) return job.slice(0, 500);
  const values = Object.values(matrix as Record<string, unknown>).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  if (values.length === 0) return job.slice(0, 500);
  return `${job} (${values.join(', ')})`.slice(0, 500);
}

/** Reads the run from the runner's variables. Pure. */
export function readGitHubRun(env: Record<string, string | undefined>, matrixJson?: string): GitHubRunOutcome {
  const missing: string[] = [];
  const need = (name: string, valid: (v: string) => boolean = () => true): string => {
    const v = value(env, name);
    if (v === undefined || !valid(v)) {
      missing.push(name);
      return '';
    }
    return v;
  };
  const numericId = (v: string) => /^[1-9][0-9]{0,19}$/.test(v);
  const serverUrl = need('GITHUB_SERVER_URL', (v) => /^https?:\/\/[^/?#@]+\/?$/.test(v));
  const owner = need('GITHUB_REPOSITORY_OWNER');
  const ownerId = need('GITHUB_REPOSITORY_OWNER_ID', numericId);
  const repository = need('GITHUB_REPOSITORY', (v) => v.includes('/'));
  const repositoryId = need('GITHUB_REPOSITORY_ID', numericId);
  const workflowRef = need('GITHUB_WORKFLOW_REF');
  const job = need('GITHUB_JOB');
  const sha = need('GITHUB_SHA', (v) => /^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/.test(v));
  const runId = positiveInteger(need('GITHUB_RUN_ID'));
  const runNumber = positiveInteger(need('GITHUB_RUN_NUMBER'));
  const runAttempt = positiveInteger(value(env, 'GITHUB_RUN_ATTEMPT') ?? '1');
  if (runId === undefined && !missing.includes('GITHUB_RUN_ID')) missing.push('GITHUB_RUN_ID');
  if (runNumber === undefined && !missing.includes('GITHUB_RUN_NUMBER')) missing.push('GITHUB_RUN_NUMBER');
  if (runAttempt === undefined) missing.push('GITHUB_RUN_ATTEMPT');
  if (missing.length > 0 || runId === undefined || runNumber === undefined || runAttempt === undefined) return { ok: false, missing };

  const run: GitHubRun = {
    serverUrl,
    owner,
    ownerId,
    repository,
    repositoryId,
    // A workflow without a name is named by its file path (GITHUB_WORKFLOW is then that path).
    workflow: (value(env, 'GITHUB_WORKFLOW') ?? workflowRef).slice(0, 500),
    workflowRef: workflowRef.slice(0, 1000),
    runId,
    runNumber,
    runAttempt,
    job: jobKey(job, matrixJson),
    sha,
  };
  const ref = value(env, 'GITHUB_REF');
  if (ref) run.ref = ref.slice(0, 1000);
  const eventName = value(env, 'GITHUB_EVENT_NAME');
  if (eventName) run.eventName = eventName.slice(0, 100);

  const runner: GitHubRunner = {};
  const name = value(env, 'RUNNER_NAME');
  if (name) runner.name = name.slice(0, 500);
  const os = value(env, 'RUNNER_OS');
  if (os) runner.os = os.slice(0, 100);
  const environment = value(env, 'RUNNER_ENVIRONMENT');
  if (environment === 'github-hosted' || environment === 'self-hosted') runner.environment = environment;
  return { ok: true, run, runner };
}

/** `https://github.com/contoso/shop/actions/runs/123/attempts/1`: the run's page. */
export function runUrl(run: GitHubRun): string {
  return `${run.serverUrl.replace(/\/+$/, '')}/${run.repository}/actions/runs/${run.runId}/attempts/${run.runAttempt}`;
}
