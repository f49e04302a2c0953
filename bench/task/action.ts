/**
 * bench:task's scenarios for the GitHub Action's `post` run (github-action/), beside the task's:
 * the same floor (`node -e 0`), the same engine states, the same budgets (no engine ≤ floor +
 * 15 ms, an idle engine ≤ floor + 50 ms). `post.js` is built by scripts/build-action.mjs into a
 * temp folder and run with the runner's environment (test/action/runAction.ts): the window's start
 * in `STATE_windowStart` as `pre` saved it, the inputs as `INPUT_*`, fresh GITHUB_* files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { actionDirectory, inputVariable, newGitHubJob } from '../../test/action/runAction';

/** One scenario as bench.ts runs it: `node <script>` with `env`. */
export interface ActionScenario {
  name: string;
  budgetOverFloorMs: number;
  env: Record<string, string>;
  script: string;
}

/** The environment the runner gives the action's post run of a job whose window started at `sinceMs`. */
function postEnvironment(sinceMs: number, dockerHost: string, serviceUrl: string): Record<string, string> {
  const job = newGitHubJob({}, { 'service-url': serviceUrl, 'docker-host': dockerHost });
  const env: Record<string, string> = { ...job.env };
  for (const [name, value] of Object.entries(job.inputs)) env[inputVariable(name)] = value;
  env.STATE_windowStart = String(sinceMs);
  env.STATE_windowSource = 'pre-step';
  for (const name of ['GITHUB_STATE', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) {
    const path = join(job.temp, `${name.toLowerCase()}_${randomUUID()}`);
    writeFileSync(path, '');
    env[name] = path;
  }
  return env;
}

/** The action's post run with no engine and with an engine that saw no push since `sinceMs`. */
export function actionScenarios(options: {
  sinceMs: number;
  absentSocket: string;
  dockerSocket: string;
  serviceUrl: string;
}): ActionScenario[] {
  const script = join(actionDirectory(), 'post.js');
  return [
    {
      name: 'action post: no engine',
      budgetOverFloorMs: 15,
      env: postEnvironment(options.sinceMs, `unix://${options.absentSocket}`, options.serviceUrl),
      script,
    },
    {
      name: 'action post: engine, no pushes',
      budgetOverFloorMs: 50,
      env: postEnvironment(options.sinceMs, `unix://${options.dockerSocket}`, options.serviceUrl),
      script,
    },
  ];
}
