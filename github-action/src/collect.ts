/**
 * The action's collector bundle (`collect.js`), loaded lazily by main.js and post.js when the
 * first look found something: the one place where the shared collection's dependencies and the
 * GitHub host are built for real (the engine through dockerode, the registries, the service,
 * the full @actions/core with getIDToken, the artifact fallback).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { collectAndReport } from '../../collector/collection';
import type { EngineLook } from '../../collector/firstLook';
import type { PushedImage } from '../../common/report';
import { collectionDependencies } from '../../collector/dependencies';
import type { ActionSettings } from './settings';
import type { WindowStart } from './state';
import { containerBuilderAdvice, gitHubHost, type ActionCommands, type KeepReportAsArtifact } from './host';
import { escapeHtml, summaryRows } from './summary';
import { runUrl } from './githubRun';

declare const __ACTION_VERSION__: string;
/** The action's version, set by scripts/build-action.mjs. */
const VERSION = typeof __ACTION_VERSION__ === 'string' ? __ACTION_VERSION__ : '0.0.0-dev';

/** File name of the artifact fallback's bundle, beside this one (only when the fallback is needed: it is large). */
const ARTIFACT_FILE = 'artifact.js';

function loadArtifactFallback(): KeepReportAsArtifact | undefined {
  const path = join(__dirname, ARTIFACT_FILE);
  if (!existsSync(path)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazily loaded sibling bundle, see above
  const module = require(path) as { keepReportAsArtifact?: KeepReportAsArtifact };
  return module.keepReportAsArtifact;
}

/** @actions/core (ESM-only), loaded once by the entry points below. */
type Core = typeof import('@actions/core', { with: { 'resolution-mode': 'import' } });

function commands(core: Core, log: ActionCommands['log']): ActionCommands {
  return {
    log,
    getIDToken: (audience) => core.getIDToken(audience),
    setSecret: (value) => core.setSecret(value),
    keepReportAsArtifact: loadArtifactFallback,
    now: () => Date.now(),
  };
}

function actionLog(core: Core): ActionCommands['log'] {
  return { info: (line) => core.info(line), warning: (line) => core.warning(line) };
}

/** Collects the job's pushes, reports them (or keeps the report as an artifact), and writes the job summary. */
export async function reportJob(look: EngineLook, settings: ActionSettings, start: WindowStart): Promise<void> {
  // Deprecation warnings from bundled clients would be the only lines on stderr, and no user can act on them.
  process.noDeprecation = true;
  const core = await import('@actions/core');
  const { host, outcome, pending } = gitHubHost(settings, start, process.env, commands(core, actionLog(core)), VERSION, look.deadlineMs);
  await collectAndReport(look, collectionDependencies(), host);
  await pending();
  const report = outcome.report;
  const advice = containerBuilderAdvice(report);
  if (advice) core.warning(advice);
  if (!report || report.images.length === 0) return;
  const where = !outcome.undelivered
    ? 'Reported to the container mapping service'
    : outcome.undelivered.kept
      ? `Not delivered (${escapeHtml(outcome.undelivered.problem)}); kept as the artifact container-mapping-report`
      : `Not delivered (${escapeHtml(outcome.undelivered.problem)}) and not kept`;
  try {
    await core.summary
      .addHeading('Container mapping', 3)
      .addRaw(
        `<p>${report.images.length} pushed image${report.images.length === 1 ? '' : 's'} of <a href="${escapeHtml(runUrl(report.github))}">run ${report.github.runId}</a> at <code>${escapeHtml(report.github.sha.slice(0, 12))}</code>. ${where}.</p>`,
        true,
      )
      .addTable(summaryRows(report.images))
      .write();
  } catch (err) {
    core.info(`The job summary could not be written (${(err as Error).message}).`);
  }
}

/** The images pushed so far in the window, for main's outputs: collected, never sent. */
export async function imagesSoFar(look: EngineLook, settings: ActionSettings, start: WindowStart): Promise<PushedImage[]> {
  process.noDeprecation = true;
  const core = await import('@actions/core');
  const quiet = { info: () => undefined, warning: () => undefined };
  const { host, outcome } = gitHubHost(settings, start, process.env, commands(core, quiet), VERSION);
  await collectAndReport(look, collectionDependencies(), {
    ...host,
    service: { missing: 'outputs only' },
    keepUndelivered: () => undefined,
  });
  return outcome.report?.images ?? [];
}
