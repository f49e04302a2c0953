/**
 * The action's `pre` run, at the start of the job whatever the step's position (actions/runner
 * runs every `pre` before the job's first step): it records when the job's window starts, so
 * that `post` reports every push of the job, also those made before the step. Node built-ins
 * and the light part of @actions/core only (the bundle leaves out its HTTP client, see
 * scripts/build-action.mjs): nothing here can hang.
 */
import { guarded, hardTimeLimit, plainLine } from './guard';
import { isTrue } from './settings';
import { STATE_WINDOW_SOURCE, STATE_WINDOW_START } from './state';

void guarded(async () => {
  hardTimeLimit(5000, plainLine);
  // @actions/core is ESM-only; esbuild bundles this import into pre.js.
  const core = await import('@actions/core');
  if (isTrue(core.getInput('disabled'))) return;
  core.saveState(STATE_WINDOW_START, String(Date.now()));
  core.saveState(STATE_WINDOW_SOURCE, 'pre-step');
  core.info(
    `Container mapping: watching this job's pushes from now on (${new Date().toISOString()}); they are reported after its last step.`,
  );
}, plainLine);
