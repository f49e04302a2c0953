/**
 * Podman's Docker-compatible API (`podman system service`, the socket `podman-docker` points
 * DOCKER_HOST at) differs from Docker's where the task looks. Pure: what is asked and how its
 * answers read; the requests themselves are in `engine.ts` and the collector.
 *
 * Measured on Podman 4.3 (Debian 12), against its events log (`events_logger = "file"`):
 * - `/events?since=…&until=<now>` answers 200 with an empty body, whatever the `until`
 *   (also `until` in the past); an `until` in the future holds the answer open until then.
 * - `/events?since=…&stream=false` answers every event since `since` and closes: the form the
 *   task uses (Podman's compat handler reads the `stream` query parameter, default true:
 *   containers/podman pkg/api/handlers/compat/events.go). Events after the first look's
 *   `until` are dropped here, by time.
 * - a push event names the image **ID** in `Actor.ID` and the destination in
 *   `Attributes.name`, where Docker names the reference in both.
 * - the image's `RepoDigests` digest is the one of the manifest Podman stored locally, not
 *   the one it pushed (it converts while pushing), so the registry is asked instead.
 */
import type { EngineEvent } from './events';
import { engineTimestamp } from './events';

/** Whether an Engine API answer came from Podman (`Libpod-Api-Version`, `Server: Libpod/4.3.1 (linux)`). */
export function isPodmanAnswer(headers: Readonly<Record<string, string>>): boolean {
  return headers['libpod-api-version'] !== undefined || /^libpod\//i.test(headers.server ?? '');
}

/** The events request Podman answers completely: since the window's start, not streamed, no `until`. */
export function podmanEventsPath(sinceMs: number): string {
  return `/events?since=${engineTimestamp(sinceMs)}&stream=false`;
}

/** The events of a Podman answer up to `untilMs` (the first look's moment), which it cannot be asked to stop at. */
export function eventsUntil(events: readonly EngineEvent[], untilMs: number): EngineEvent[] {
  const until = untilMs * 1e6;
  return events.filter((e) => e.timeNano <= until);
}

const IMAGE_ID = /^(sha256:)?([0-9a-f]{64})$/;

/**
 * A Podman push event's image ID and destination; undefined for Docker's shape (the
 * reference in `Actor.ID`). A 64-hex `Actor.ID` is never a reference Docker would log: it
 * refuses repository names of 64 hex digits.
 */
export function podmanPush(event: EngineEvent): { imageId: string; destination: string } | undefined {
  const id = IMAGE_ID.exec(event.actorId);
  const destination = event.attributes.name;
  if (!id?.[2] || !destination) return undefined;
  return { imageId: `sha256:${id[2]}`, destination };
}
