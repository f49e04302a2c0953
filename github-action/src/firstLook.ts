/**
 * The first look shared by `main` and `post`: which engine, what it logged since the window's
 * start, whether there is anything to collect. Node built-ins only (collector/firstLook.ts); the
 * collector bundle is loaded only when there is.
 */
import { homedir } from 'node:os';
import { resolveDockerEndpoint } from '../../collector/dockerHost';
import { lookAtEngine, nothingToReport, type EngineLook } from '../../collector/firstLook';
import type { ActionSettings } from './settings';
import type { WindowStart } from './state';

/** The engine's look at the window, and the one line to print when there is nothing to collect. */
export interface ActionLook {
  look: EngineLook;
  nothing?: string;
}

/** Takes the first look; never throws. */
export async function firstLook(
  settings: ActionSettings,
  start: WindowStart,
  env: Record<string, string | undefined>,
  deadlineMs: number,
): Promise<ActionLook> {
  const endpoint = resolveDockerEndpoint({ explicit: settings.dockerHost, env, platform: process.platform, homeDirectory: homedir() });
  const look = await lookAtEngine({ endpoint, metadataFolder: settings.metadataFolder, sinceMs: start.sinceMs, deadlineMs });
  const nothing = nothingToReport(look);
  return nothing === undefined ? { look } : { look, nothing };
}
