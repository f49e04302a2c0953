/**
 * The action's `main` run, at the step's place in the job. The report is sent by `post`, after
 * the job's last step; `main` does two things only it can do:
 * - when no `pre` ran (an action in the workflow's own repository, `uses: ./…`, gets none:
 *   actions/runner src/Runner.Worker/ActionManager.cs), it starts the window itself and says so;
 * - it sets the outputs (`digests`, `images`) from what was pushed before it: a post step's
 *   outputs are dropped by the runner (ExecutionContext.SetOutput skips a context without a
 *   name, which post steps have), so no later run of the action could set them.
 */
import { join } from 'node:path';
import { guarded, hardTimeLimit, plainLine } from './guard';
import { readActionSettings } from './settings';
import { readWindowStart, STATE_WINDOW_SOURCE, STATE_WINDOW_START, type WindowStart } from './state';
import { firstLook } from './firstLook';
import { digestsOutput, imagesOutput } from './summary';
import type * as Collector from './collect';

void guarded(async () => {
  const started = Date.now();
  // @actions/core is ESM-only; esbuild bundles this import into the file (its HTTP client left out).
  const core = await import('@actions/core');
  const settings = readActionSettings(core.getInput, process.env);
  hardTimeLimit(settings.timeLimitMs, core.info);
  if (settings.disabled) {
    core.info('Container mapping is turned off for this job (the disabled input).');
    return;
  }
  let start: WindowStart | undefined = readWindowStart(core.getState);
  if (!start) {
    start = { sinceMs: started, source: 'main-step' };
    core.saveState(STATE_WINDOW_START, String(start.sinceMs));
    core.saveState(STATE_WINDOW_SOURCE, start.source);
    core.info(
      "Container mapping: this action's pre step did not run (actions in the workflow's own repository, uses: ./…, get none), so the job's pushes are watched from this step on: place it first in the job.",
    );
  }
  const { look, nothing } = await firstLook(settings, start, process.env, started + settings.timeLimitMs);
  let images: Awaited<ReturnType<typeof Collector.imagesSoFar>> = [];
  if (nothing === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazily loaded sibling bundle, as in post.ts
    const collector = require(join(__dirname, 'collect.js')) as typeof Collector;
    images = await collector.imagesSoFar(look, settings, start);
  }
  core.setOutput('digests', digestsOutput(images));
  core.setOutput('images', imagesOutput(images));
  core.info(
    images.length === 0
      ? 'Container mapping: no image pushed so far; the job is reported after its last step.'
      : `Container mapping: ${images.length} image${images.length === 1 ? '' : 's'} pushed so far (outputs digests and images); the job is reported after its last step.`,
  );
}, plainLine).finally(() => process.exit(0));
