/**
 * Entry point of the injected task. Runs in every job of an organisation, so it decides the
 * common cases (opted out, no engine, nothing pushed) with the least code, and loads the
 * rest of the collector (`collect.js`: image lookups, registries, BuildKit, Azure DevOps,
 * delivery) only when there is something to report. It never fails and never hangs the job: every path exits 0 (Succeeded)
 * unless the collector reports SucceededWithIssues, and a hard time limit ends the step.
 */
import { join } from 'node:path';
import { probe, readContextFromEnvironment } from './probe';
import { endGroup, info } from './output';
import { loadWithCodeCache } from '../../collector/codeCache';
import type * as Collector from './collect';

/** File name of the heavy bundle, beside this one. */
const COLLECTOR_FILE = 'collect.js';

/** The first 16 hex digits of `collect.js`'s SHA-256, set by the build (scripts/build-tasks.mjs); it names the bundle's code cache. */
declare const __COLLECTOR_HASH__: string | undefined;

/** Ends the step as Succeeded whatever escaped: nothing here may fail the job. */
function succeedAnyway(err: unknown): void {
  info(`Container mapping stopped early: ${err instanceof Error ? err.message : String(err)}`);
  endGroup();
  process.exit(0);
}

/** task-lib marks the step Failed on an uncaught error; this step must not, so ours replace its handlers. */
function ownCrashHandlers(): void {
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.removeAllListeners(event);
    process.on(event, succeedAnyway);
  }
}

async function run(): Promise<void> {
  const started = Date.now();
  ownCrashHandlers();
  const context = readContextFromEnvironment(process.env, __dirname);
  // The hard limit: whatever hangs (a daemon that accepts and never answers, a slow service),
  // the step ends Succeeded. Unref'd, so it never keeps a finished step alive.
  setTimeout(() => {
    info(`Stopped at the time limit (${Math.round(context.timeLimitMs / 1000)} s); the job is not affected.`);
    endGroup();
    process.exit(0);
  }, context.timeLimitMs).unref();
  const verdict = await probe(context, process.env, started);
  if (verdict.kind === 'disabled') {
    info('Container mapping is turned off for this pipeline (ContainerMapping.Disabled).');
    return;
  }
  if (verdict.kind === 'nothing') {
    info(verdict.message);
    return;
  }
  // A path computed at run time, so the bundler leaves it to Node; loaded synchronously (no ESM
  // loader start-up), with V8's code cache of an earlier job when this agent kept one
  // (collector/codeCache.ts).
  const file = join(__dirname, COLLECTOR_FILE);
  const collector =
    typeof __COLLECTOR_HASH__ === 'string'
      ? loadWithCodeCache<typeof Collector>(file, __COLLECTOR_HASH__)
      : // eslint-disable-next-line @typescript-eslint/no-require-imports -- an unbundled run (no hash): plain require
        { exports: require(file) as typeof Collector, keepCache: () => undefined };
  ownCrashHandlers();
  await collector.exports.collect(verdict.probe);
  // Only a self-hosted agent keeps its task folder for a later job; on a Microsoft-hosted one the
  // cache would be written for nobody.
  if (verdict.probe.context.run.agentSelfHosted === true) collector.keepCache();
}

run()
  .catch((err: unknown) => {
    // Nothing may fail the job: say what happened in one line and succeed.
    info(`Container mapping stopped early: ${err instanceof Error ? err.message : String(err)}`);
  })
  .finally(() => {
    endGroup();
  });
