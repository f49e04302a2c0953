/**
 * The cheap first look, the same for every host: given an engine endpoint and a window's
 * start, is there an engine, did anything get pushed (or built, or lose events) since then,
 * are there buildx metadata files? Only node built-ins are used here, because a host runs it
 * in every job before anything heavy is loaded. What a host adds (its settings, its opt-out,
 * where its window starts) stays in the host: the task's probe.ts.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DockerEndpoint } from './dockerHost';
import { engineGet, identityFromHeaders, type EngineIdentity } from './engine';
import { engineRestarted, eventsPath, mayBeTruncated, parseEvents, pushEvents, type EngineEvent } from './events';
import { eventsUntil, isPodmanAnswer, podmanEventsPath } from './podman';
import { buildSigns } from './buildkitSigns';

/** How long the engine gets to start answering: a healthy one does in milliseconds. */
export const FIRST_BYTE_TIMEOUT_MS = 2000;
/** How long the engine gets to finish listing its events. */
export const EVENTS_TIMEOUT_MS = 8000;

/** What the first look is asked. */
export interface LookRequest {
  endpoint: DockerEndpoint;
  /** Folder holding buildx `--metadata-file` JSON files; undefined: none. */
  metadataFolder?: string;
  /** The start of what is asked, in epoch ms (the host's earliest possible window start), or 0 when unknown. */
  sinceMs: number;
  /** Epoch ms by which the host's step must have finished. */
  deadlineMs: number;
}

/** Everything the first look learnt, handed to the full collection when there is work to do. */
export interface EngineLook {
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
   * When the Docker engine started, in epoch ms, as far as it can be told (`engineStartTime`): the
   * later of its unix socket's time and that of the `docker.pid` beside it. Unknown for other
   * endpoints, and for Podman, whose events outlive it.
   */
  engineStartedMs?: number;
  /** The start of what was asked: `LookRequest.sinceMs`. */
  probeSinceMs: number;
  untilMs: number;
  /** buildx metadata files found (full paths). */
  metadataFiles: string[];
  /** Epoch ms by which the step must have finished. */
  deadlineMs: number;
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

/**
 * When dockerd behind the unix socket `socketPath` started, as far as its files tell: the later of
 * the socket's time (dockerd creates it at each start, and nothing writes to a socket's inode) and
 * that of `docker.pid` in the same folder (dockerd writes its pid file at each start: the default
 * `/var/run/docker.pid` beside `/var/run/docker.sock`, and a rootless daemon's beside its socket in
 * `$XDG_RUNTIME_DIR`). The pid file is what tells when systemd holds the socket across restarts
 * (`docker.socket` with `-H fd://`, how Docker's own packages run it): the socket then keeps the
 * time systemd created it.
 */
export function engineStartTime(socketPath: string, socketModifiedMs: number): number {
  const pidFileMs = fileTime(join(dirname(socketPath), 'docker.pid'));
  return pidFileMs === undefined ? socketModifiedMs : Math.max(socketModifiedMs, pidFileMs);
}

/** A file's modification time (a socket's: its creation), or undefined when there is none. */
function fileTime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Looks at the engine and the metadata folder. Never throws: a problem is kept in `engineProblem`. */
export async function lookAtEngine(request: LookRequest): Promise<EngineLook> {
  const { endpoint } = request;
  const metadataFiles = listMetadataFiles(request.metadataFolder);
  const probeSinceMs = request.sinceMs;
  const result: EngineLook = {
    endpoint,
    events: [],
    eventsRead: false,
    probeSinceMs,
    untilMs: Date.now(),
    metadataFiles,
    deadlineMs: request.deadlineMs,
  };

  let socketModifiedMs: number | undefined;
  if (endpoint.kind === 'unsupported') {
    result.engineProblem = `Docker host ${endpoint.display}: ${endpoint.reason}`;
  } else if (endpoint.kind === 'unix' && (socketModifiedMs = fileTime(endpoint.socketPath)) === undefined) {
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
      // Only dockerd keeps its events in memory (Podman's outlive the service): its files' times tell its start.
      if (endpoint.kind === 'unix' && socketModifiedMs !== undefined && result.engine.serverVersion !== undefined) {
        result.engineStartedMs = engineStartTime(endpoint.socketPath, socketModifiedMs);
      }
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
  return result;
}

/**
 * Why there is nothing to report (the one line a host prints), or undefined when the full
 * collection has work: a push, a sign that events are missing, a build, or metadata files.
 */
export function nothingToReport(look: EngineLook): string | undefined {
  const since = look.probeSinceMs;
  const pushed = pushEvents(look.events, since).length > 0;
  // Podman keeps its whole events log, across restarts too: neither check applies to it.
  const truncated = look.eventsRead && !look.podman && mayBeTruncated(look.events, since);
  const restarted = look.eventsRead && !look.podman && engineRestarted(look.engineStartedMs, since);
  // A BuildKit build may have pushed without a push event (Docker 23+ keeps a build history, and
  // on the containerd store logs no push): see buildkitSigns.ts.
  const signs = buildSigns(look.events, since, look.engine?.apiVersion);
  const built = signs.engineBuild || signs.containerBuilders.length > 0;
  if (pushed || truncated || restarted || built || look.metadataFiles.length > 0) return undefined;
  return look.engineProblem !== undefined
    ? `Nothing to report: ${look.engineProblem}.`
    : 'Nothing to report: no image was pushed in this job.';
}
