/**
 * The task's first look, run in every job before anything heavy is loaded: is the step opted
 * out, and what does the collector's first look (collector/firstLook.ts: the engine's events
 * since the pipeline started, the buildx metadata folder) find? Only node built-ins are used here.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { environmentSource, readRunContext, type PackageDefaults, type RunContext } from './settings';
import { resolveDockerEndpoint } from '../../collector/dockerHost';
import { parseAgentTime } from '../../collector/events';
import { lookAtEngine, nothingToReport, type EngineLook } from '../../collector/firstLook';

/** Everything the first look learnt, with the run's context, handed to the full collection when there is work to do. */
export interface Probe extends EngineLook {
  context: RunContext;
}

/** The verdict of the first look. */
export type ProbeVerdict = { kind: 'disabled' } | { kind: 'nothing'; message: string } | { kind: 'work'; probe: Probe };

/** Reads `defaults.json` beside the bundle; missing or broken means no defaults. */
export function readPackageDefaults(directory: string): PackageDefaults {
  try {
    const json: unknown = JSON.parse(readFileSync(join(directory, 'defaults.json'), 'utf8'));
    if (typeof json === 'object' && json !== null && 'serviceUrl' in json && typeof json.serviceUrl === 'string') {
      return { serviceUrl: json.serviceUrl };
    }
  } catch {
    // No baked-in defaults: the URL must come from an input or a variable.
  }
  return {};
}

/** Reads the run's settings from the environment (no secrets there: the collector re-reads through task-lib). */
export function readContextFromEnvironment(env: NodeJS.ProcessEnv, bundleDirectory: string): RunContext {
  return readRunContext(environmentSource(env), readPackageDefaults(bundleDirectory));
}

/** Takes the first look, since the pipeline's start. Never throws. */
export async function probe(context: RunContext, env: NodeJS.ProcessEnv, startedMs: number): Promise<ProbeVerdict> {
  if (context.disabled) return { kind: 'disabled' };
  const look = await lookAtEngine({
    endpoint: resolveDockerEndpoint({ explicit: context.dockerHost, env, platform: process.platform, homeDirectory: homedir() }),
    metadataFolder: context.metadataFolder,
    sinceMs: parseAgentTime(context.run.pipelineStartTime) ?? 0,
    deadlineMs: startedMs + context.timeLimitMs,
  });
  const message = nothingToReport(look);
  if (message !== undefined) return { kind: 'nothing', message };
  return { kind: 'work', probe: { ...look, context } };
}
