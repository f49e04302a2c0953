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
import type { EngineEvent } from './events';

/** The prefix of the containers buildx runs `docker-container` builders in. */
export const BUILDX_CONTAINER_PREFIX = 'buildx_buildkit_';

/** What the window's events say about BuildKit builds. */
export interface BuildSigns {
  /** An image was created or tagged: a build on the engine's own BuildKit may have pushed. */
  engineBuild: boolean;
  /** Names of `docker-container` builders that were used (their containers' names). */
  containerBuilders: string[];
}

/** Reads the signs from the events at or after `sinceMs`. */
export function buildSigns(events: readonly EngineEvent[], sinceMs: number): BuildSigns {
  const since = sinceMs * 1e6;
  let engineBuild = false;
  const builders: string[] = [];
  for (const e of events) {
    if (e.timeNano < since) continue;
    if (e.type === 'image' && (e.action === 'create' || e.action === 'tag')) engineBuild = true;
    const name = e.attributes.name;
    if (e.type === 'container' && name !== undefined && name.startsWith(BUILDX_CONTAINER_PREFIX) && !builders.includes(name)) {
      builders.push(name);
    }
  }
  return { engineBuild, containerBuilders: builders };
}
