/**
 * Signs in the engine's events that BuildKit built something in the window, read by the first
 * look (so it stays cheap: the build history is asked only when there is such a sign) and by the
 * collection. Pure.
 *
 * Measured on Docker 28.5.2 with buildx 0.29.1 (`docker build --push`, the `docker` driver): the
 * containerd store logs image `create` then `tag` and no `push`; the classic store logs `tag`,
 * `create` and the `push` buildx makes through the engine. A `docker-container` builder runs in a
 * container buildx names `buildx_buildkit_<builder><node>` (docker/buildx driver/docker-container),
 * and buildx reaches it with `docker exec … buildctl dial-stdio`: `exec_*` events on that container.
 */
import { compareApiVersions } from './apiVersion';
import type { EngineEvent } from './events';

/**
 * The oldest Engine API version whose engine can keep a BuildKit build history: Docker 23.0 (API
 * 1.42) was the first release built on BuildKit 0.11, whose control API added `ListenBuildHistory`.
 * Docker 20.10 (API 1.41) embeds BuildKit 0.8 and answers that call "unimplemented", and Podman's
 * Docker-compatible API (1.41 in Podman 4) has no `/grpc` route at all. On such an engine a
 * BuildKit push cannot bypass the engine's own push (buildx's `docker` driver pushes through the
 * engine's image push API, which logs a `push` event), so a build is no sign of a missing push.
 */
export const BUILD_HISTORY_API_VERSION = '1.42';

/** Whether an engine whose newest API version is `apiVersion` may keep a build history; true when it did not say or said something unreadable. */
export function mayKeepBuildHistory(apiVersion: string | undefined): boolean {
  if (apiVersion === undefined || !/^v?\d{1,3}\.\d{1,4}$/.test(apiVersion.trim())) return true;
  return compareApiVersions(apiVersion, BUILD_HISTORY_API_VERSION) >= 0;
}

/** The prefix of the containers buildx runs `docker-container` builders in. */
export const BUILDX_CONTAINER_PREFIX = 'buildx_buildkit_';

/** What the window's events say about BuildKit builds. */
export interface BuildSigns {
  /**
   * An image was created or tagged on an engine that may keep a build history: a build on its own
   * BuildKit may have pushed (see `mayKeepBuildHistory`).
   */
  engineBuild: boolean;
  /** Names of `docker-container` builders that were used (their containers' names). */
  containerBuilders: string[];
}

/** Reads the signs from the events at or after `sinceMs`, on an engine whose newest API version is `engineApiVersion`. */
export function buildSigns(events: readonly EngineEvent[], sinceMs: number, engineApiVersion?: string): BuildSigns {
  const since = sinceMs * 1e6;
  const history = mayKeepBuildHistory(engineApiVersion);
  let engineBuild = false;
  const builders: string[] = [];
  for (const e of events) {
    if (e.timeNano < since) continue;
    if (history && e.type === 'image' && (e.action === 'create' || e.action === 'tag')) engineBuild = true;
    const name = e.attributes.name;
    if (e.type === 'container' && name !== undefined && name.startsWith(BUILDX_CONTAINER_PREFIX) && !builders.includes(name)) {
      builders.push(name);
    }
  }
  return { engineBuild, containerBuilders: builders };
}
