/**
 * The cheap first look, run in every job before anything heavy is loaded: is the step
 * opted out, is there an engine, did anything get pushed since the pipeline started,
 * are there buildx metadata files? Only node built-ins are used here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { environmentSource, readRunContext, type PackageDefaults, type RunContext } from './settings';
import { resolveDockerEndpoint, type DockerEndpoint } from './dockerHost';
import { engineGet, identityFromHeaders, type EngineIdentity } from './engine';
import { engineRestarted, eventsPath, mayBeTruncated, parseAgentTime, parseEvents, pushEvents, type EngineEvent } from './events';
import { eventsUntil, isPodmanAnswer, podmanEventsPath } from './podman';
import { buildSigns } from './buildkitSigns';

/** How long the engine gets to start answering: a healthy one does in milliseconds. */
export const FIRST_BYTE_TIMEOUT_MS = 2000;
/** How long the engine gets to finish listing its events. */
export const EVENTS_TIMEOUT_MS = 8000;

/** Everything the first look learnt, handed to the full collection when there is work to do. */
export interface Probe {
  context: RunContext;
  endpoint: DockerEndpoint;
  /** Set when the engine answered. */
  engine?: EngineIdentity;
  /** Set when the engine is Podman's Docker-compatible API (see podman.ts). */
  podman?: boolean;
  /** Why there is no engine, or why its events could not be read. */
  engineProblem?: string;
  /** Every event since `probeSinceMs` (when the engine answered). */
  events: EngineEvent[];
  eventsRead: boolean;
  /**
   * When the Docker engine started, in epoch ms, as far as it can be told: the time its unix socket
   * was created (dockerd re-creates it at every start). Unknown for other endpoints, for a socket
   * that systemd holds across restarts (docker.socket), and for Podman, whose events outlive it.
   */
  engineStartedMs?: number;
  /** The start of what was asked: the pipeline's start time, or 0 when unknown. */
  probeSinceMs: number;
  untilMs: number;
  /** buildx metadata files found (full paths). */
  metadataFiles: string[];
  /** Epoch ms by which the step must have finished. */
  deadlineMs: number;
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

function listMetadataFiles(folder: string | undefined): string[] {
  if (!folder) return [];
  try {
    return readdirSync(folder)
      .filter((name) => name.toLowerCase().endsWith('.json'))
      .sort()
      .map((name) => join(folder, name));
  } catch {
    return [];
  }
}

/** The modification time of a unix socket (its creation: nothing writes to a socket's inode), or undefined when there is none. */
function socketTime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Reads the run's settings from the environment (no secrets there: the collector re-reads through task-lib). */
export function readContextFromEnvironment(env: NodeJS.ProcessEnv, bundleDirectory: string): RunContext {
  return readRunContext(environmentSource(env), readPackageDefaults(bundleDirectory));
}

/** Takes the first look. Never throws. */
export async function probe(context: RunContext, env: NodeJS.ProcessEnv, startedMs: number): Promise<ProbeVerdict> {
  if (context.disabled) return { kind: 'disabled' };

  const endpoint = resolveDockerEndpoint({ explicit: context.dockerHost, env, platform: process.platform, homeDirectory: homedir() });
  const metadataFiles = listMetadataFiles(context.metadataFolder);
  const probeSinceMs = parseAgentTime(context.run.pipelineStartTime) ?? 0;
  const result: Probe = {
    context,
    endpoint,
    events: [],
    eventsRead: false,
    probeSinceMs,
    untilMs: Date.now(),
    metadataFiles,
    deadlineMs: startedMs + context.timeLimitMs,
  };

  let socketModifiedMs: number | undefined;
  if (endpoint.kind === 'unsupported') {
    result.engineProblem = `Docker host ${endpoint.display}: ${endpoint.reason}`;
  } else if (endpoint.kind === 'unix' && (socketModifiedMs = socketTime(endpoint.socketPath)) === undefined) {
    // The commonest case of all, decided without even loading node:net.
    result.engineProblem = `no Docker engine at ${endpoint.display} answered (ENOENT)`;
  } else {
    try {
      const budget = () => Math.max(100, result.deadlineMs - Date.now() - 500);
      // One request: any answer proves an engine, its headers name the versions, and its body
      // holds the window's events. "now" with sub-second precision: a rounded-up `until`
      // would make the engine hold the request open until then.
      result.untilMs = Date.now();
      const answer = await engineGet(endpoint, eventsPath(probeSinceMs, result.untilMs), {
        firstByteMs: Math.min(FIRST_BYTE_TIMEOUT_MS, budget()),
        totalMs: Math.min(EVENTS_TIMEOUT_MS, budget()),
      });
      result.engine = identityFromHeaders(answer.headers);
      // Only dockerd keeps its events in memory (Podman's outlive the service): its socket's time is its start.
      if (socketModifiedMs !== undefined && result.engine.serverVersion !== undefined) result.engineStartedMs = socketModifiedMs;
      if (answer.status !== 200) throw new Error(`/events answered ${answer.status}`);
      result.events = parseEvents(answer.body).events;
      result.eventsRead = true;
      if (isPodmanAnswer(answer.headers)) {
        // Podman answers that request with nothing at all: ask it the one way it answers (podman.ts).
        result.podman = true;
        result.eventsRead = false;
        const podman = await engineGet(endpoint, podmanEventsPath(probeSinceMs), {
          firstByteMs: Math.min(FIRST_BYTE_TIMEOUT_MS, budget()),
          totalMs: Math.min(EVENTS_TIMEOUT_MS, budget()),
        });
        if (podman.status !== 200) throw new Error(`/events answered ${podman.status}`);
        result.events = eventsUntil(parseEvents(podman.body).events, result.untilMs);
        result.eventsRead = true;
      }
    } catch (err) {
      const reason = (err as Error).message;
      // A connection error code (ENOENT, ECONNREFUSED, …) means there is no engine; anything else, a troubled one.
      result.engineProblem = /^E[A-Z]+$/.test(reason)
        ? `no Docker engine at ${endpoint.display} answered (${reason})`
        : `the Docker engine at ${endpoint.display} did not list its events (${reason})`;
    }
  }

  const pushed = pushEvents(result.events, probeSinceMs).length > 0;
  // Podman keeps its whole events log, across restarts too: neither check applies to it.
  const truncated = result.eventsRead && !result.podman && mayBeTruncated(result.events, probeSinceMs);
  const restarted = result.eventsRead && !result.podman && engineRestarted(result.engineStartedMs, probeSinceMs);
  // A BuildKit build may have pushed without a push event (Docker 28+): see buildkitSigns.ts.
  const signs = buildSigns(result.events, probeSinceMs);
  const built = signs.engineBuild || signs.containerBuilders.length > 0;
  if (!pushed && !truncated && !restarted && !built && metadataFiles.length === 0) {
    const message =
      result.engineProblem !== undefined
        ? `Nothing to report: ${result.engineProblem}.`
        : 'Nothing to report: no image was pushed in this job.';
    return { kind: 'nothing', message };
  }
  return { kind: 'work', probe: result };
}
