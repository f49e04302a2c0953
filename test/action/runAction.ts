/**
 * Runs the bundled action the way the runner does (actions/runner src/Runner.Worker): `node
 * dist/<pre|main|post>.js` in a fresh process whose environment holds the runner's GITHUB_* and
 * RUNNER_* variables, every input of action.yml as `INPUT_<NAME>` (upper-cased, spaces as `_`,
 * hyphens kept; the default when the workflow gives none), a fresh GITHUB_STATE, GITHUB_OUTPUT
 * and GITHUB_STEP_SUMMARY file per run (FileCommandManager.cs), and in later runs `STATE_<name>`
 * for what earlier runs of the same action saved (ActionRunner.cs).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { runNode, type NodeRun } from '../support/runNode';

const root = join(__dirname, '..', '..');

let built: string | undefined;

/**
 * The folder holding pre.js, main.js, post.js and collect.js, built by scripts/build-action.mjs
 * into a temp folder (once per test process), never into github-action/dist.
 */
export function actionDirectory(): string {
  if (built) return built;
  const out = mkdtempSync(join(tmpdir(), 'cm-action-dist-'));
  execFileSync(process.execPath, [join(root, 'scripts', 'build-action.mjs'), '--out', out], { stdio: 'inherit' });
  built = out;
  return out;
}

/** action.yml's inputs and their defaults. */
function inputDefaults(): Record<string, string> {
  const manifest = load(readFileSync(join(root, 'github-action', 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(manifest.inputs)) defaults[name] = input.default ?? '';
  // The runner evaluates `${{ toJSON(matrix) }}`: a job without a strategy has no matrix.
  defaults.matrix = 'null';
  return defaults;
}

/** How the runner names an input's variable (actions/toolkit packages/core/src/core.ts, getInput). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Parses a file command file (GITHUB_STATE, GITHUB_OUTPUT): `name<<delimiter` / value lines /
 * `delimiter`, or `name=value` (FileCommandManager.cs reads both forms).
 */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] ?? '');
      values[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/** One run of pre, main or post. */
export interface StepRun extends NodeRun {
  /** What the run wrote with core.saveState, setOutput, and to the step summary. */
  state: Record<string, string>;
  outputs: Record<string, string>;
  summary: string;
}

/** The identity of one simulated GitHub job; defaults are a run of contoso/shop. */
export interface SimulatedGitHubJob {
  env: Record<string, string>;
  inputs: Record<string, string>;
  /** What every earlier run of the action saved, given back as STATE_*. */
  state: Record<string, string>;
  temp: string;
}

/** A fresh job: a new run id, a new RUNNER_TEMP. */
export function newGitHubJob(overrides: Record<string, string> = {}, inputs: Record<string, string> = {}): SimulatedGitHubJob {
  const temp = mkdtempSync(join(tmpdir(), 'cm-runner-temp-'));
  const runId = String(10_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
  return {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_REPOSITORY: 'contoso/shop',
      GITHUB_REPOSITORY_ID: '424242',
      GITHUB_REPOSITORY_OWNER: 'contoso',
      GITHUB_REPOSITORY_OWNER_ID: '2020',
      GITHUB_WORKFLOW: 'CI',
      GITHUB_WORKFLOW_REF: 'contoso/shop/.github/workflows/ci.yml@refs/heads/main',
      GITHUB_RUN_ID: runId,
      GITHUB_RUN_NUMBER: '42',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'build',
      GITHUB_SHA: 'c040cae0f0dc81641728557b80f09cfa23b83fe5',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_ACTOR: 'octocat',
      RUNNER_NAME: 'GitHub Actions 2',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_ENVIRONMENT: 'github-hosted',
      RUNNER_TEMP: temp,
      ...overrides,
    },
    inputs: { ...inputDefaults(), ...inputs },
    state: {},
    temp,
  };
}

/**
 * Runs `node <directory>/<step>.js` for `job` (killed after `killAfterMs`); what it saved with
 * saveState is added to the job's state, for its later runs.
 */
export async function runStep(
  job: SimulatedGitHubJob,
  step: 'pre' | 'main' | 'post',
  directory: string = actionDirectory(),
  killAfterMs = 60_000,
): Promise<StepRun> {
  const files = {
    GITHUB_STATE: join(job.temp, `state_${randomUUID()}`),
    GITHUB_OUTPUT: join(job.temp, `set_output_${randomUUID()}`),
    GITHUB_STEP_SUMMARY: join(job.temp, `step_summary_${randomUUID()}`),
    GITHUB_ENV: join(job.temp, `set_env_${randomUUID()}`),
    GITHUB_PATH: join(job.temp, `add_path_${randomUUID()}`),
  };
  for (const path of Object.values(files)) writeFileSync(path, '');
  const env: Record<string, string> = { ...job.env, ...files };
  for (const [name, value] of Object.entries(job.inputs)) env[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(job.state)) env[`STATE_${name}`] = value;
  const run = await runNode(process.execPath, join(directory, `${step}.js`), job.temp, env, killAfterMs);
  const state = parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'));
  Object.assign(job.state, state);
  return {
    ...run,
    state,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
  };
}
