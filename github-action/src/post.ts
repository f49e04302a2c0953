/**
 * The action's `post` run, after the job's last step (`post-if: always()`, so also after a
 * failed step): collects what the job pushed since `pre` started the window and reports it.
 * Like the Azure DevOps task, it decides the common cases (turned off, no engine, nothing
 * pushed) with node built-ins only — the inputs and state read by core's own rules, one plain
 * line — and loads the collector (collect.js, with @actions/core) only when there is something
 * to report. It never fails the job and never hangs it.
 */
import { join } from 'node:path';
import { guarded, hardTimeLimit, plainLine } from './guard';
import { inputFromEnvironment, readActionSettings, stateFromEnvironment } from './settings';
import { readWindowStart } from './state';
import { firstLook } from './firstLook';
import type * as Collector from './collect';

void guarded(async () => {
  const started = Date.now();
  const settings = readActionSettings(inputFromEnvironment(process.env), process.env);
  hardTimeLimit(settings.timeLimitMs, plainLine);
  if (settings.disabled) {
    plainLine('Container mapping is turned off for this job (the disabled input).');
    return;
  }
  const start = readWindowStart(stateFromEnvironment(process.env));
  if (!start) {
    plainLine("Nothing reported: the job's window was not recorded (neither the pre nor the main step of this action saved its start).");
    return;
  }
  const { look, nothing } = await firstLook(settings, start, process.env, started + settings.timeLimitMs);
  if (nothing !== undefined) {
    plainLine(nothing);
    return;
  }
  // A path computed at run time, so the bundler leaves this require to Node (see scripts/build-action.mjs).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const collector = require(join(__dirname, 'collect.js')) as typeof Collector;
  await collector.reportJob(look, settings, start);
}, plainLine).finally(() => process.exit(0));
