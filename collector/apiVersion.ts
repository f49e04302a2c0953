/**
 * Which Engine API version to ask for. Pure.
 *
 * The engine refuses a request whose path names a version below its minimum ("client version 1.41
 * is too old. Minimum supported API version is 1.44, …", HTTP 400: Docker 29.0–29.2 raised the
 * minimum to 1.44) or above its own ("client version 1.52 is too new. Maximum supported API version
 * is 1.41", Docker 20.10), and answers an unversioned path as its own newest version (moby
 * daemon/server/middleware/version.go, `VersionMiddleware.WrapHandler`; every answer, refusals
 * included, carries that newest version in its `Api-Version` header). So the first look asks
 * `/events` unversioned, which every engine accepts, and reads `Api-Version` from its answer; every
 * later request names the newest version both sides understand, so that the answers' shapes are the
 * ones this code was written against.
 */

/**
 * The newest Engine API version this code was written and tested against (Docker 28.5: 1.51).
 * Image inspect's `Manifests` (the containerd store's index and platform manifests) needs 1.48.
 */
export const NEWEST_API_VERSION = '1.51';

/** `1.41` → [1, 41]; undefined when it is not `major.minor`. */
function parse(version: string): [number, number] | undefined {
  const match = /^v?(\d{1,3})\.(\d{1,4})$/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Compares two `major.minor` versions: negative, zero or positive. Unparsable ones sort first. */
export function compareApiVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  return x[0] - y[0] || x[1] - y[1];
}

/**
 * The version to ask an engine whose newest is `engineVersion` (its `Api-Version` header) for:
 * the newest this code understands, never above the engine's own, and never below `minimum` when
 * a refusal named one. Undefined (ask unversioned, i.e. the engine's newest) when the engine did not
 * say which versions it speaks.
 */
export function negotiateApiVersion(engineVersion: string | undefined, minimum?: string): string | undefined {
  const engine = engineVersion !== undefined && parse(engineVersion) ? engineVersion.trim().replace(/^v/, '') : undefined;
  if (engine === undefined) return undefined;
  let chosen = compareApiVersions(engine, NEWEST_API_VERSION) < 0 ? engine : NEWEST_API_VERSION;
  if (minimum !== undefined && parse(minimum) && compareApiVersions(chosen, minimum) < 0) chosen = minimum.trim().replace(/^v/, '');
  return chosen;
}

/** The minimum an engine named when it refused a version as too old, from its error message. */
export function minimumFromRefusal(message: string): string | undefined {
  const match = /Minimum supported API version is v?(\d{1,3}\.\d{1,4})/i.exec(message);
  return match?.[1];
}
