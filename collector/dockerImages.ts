/**
 * Image lookups on the engine (only when something was pushed), bounded in time, with the API
 * version negotiated from the first look's answer (apiVersion.ts). Each is one GET through
 * engine.ts, the first look's HTTP/1.0 client: dockerode would add ≈ 250 KB to the collector's
 * bundle, most of it loaded for two GETs (see tasks/README.md, *Performance design*).
 */
import type { DockerEndpoint } from './dockerHost';
import { engineGet, type EngineResponse } from './engine';
import type { InspectImage } from './pushes';
import type { LocalManifest } from './indexManifests';
import { minimumFromRefusal, negotiateApiVersion } from './apiVersion';
import { formatImageReference, parseImageReference, repositoryName } from '../common/imageReference';

/** An answer other than the one asked for; `status` as the engine gave it. */
export class EngineAnswerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineAnswerError';
  }
}

/** The engine's own words for a refusal (`{"message": …}`), else the start of its body. */
function engineMessage(answer: EngineResponse): string {
  try {
    const json = JSON.parse(answer.body) as { message?: unknown };
    if (typeof json.message === 'string') return json.message.slice(0, 500);
  } catch {
    // Not JSON: the body's start says what there is to say.
  }
  return answer.body.slice(0, 200);
}

/**
 * An image name or ID as a path segment. Names and IDs (reference grammar: letters, digits,
 * `._-/:@`) go as they are, as the docker CLI sends them; anything else is refused here rather
 * than written into a request line.
 */
function imagePath(nameOrId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(nameOrId)) throw new Error(`not an image name: ${JSON.stringify(nameOrId.slice(0, 100))}`);
  return nameOrId;
}

/** GETs `path` under the API version `version` (unversioned when undefined), the whole answer within `timeoutMs`. */
function get(endpoint: DockerEndpoint, version: string | undefined, path: string, timeoutMs: number): Promise<EngineResponse> {
  return engineGet(endpoint, `${version !== undefined ? `/v${version}` : ''}${path}`, { firstByteMs: timeoutMs, totalMs: timeoutMs });
}

/** image inspect's `Manifests[]` (API 1.48 and later, containerd store), as far as the task reads it. */
function localManifests(raw: unknown): LocalManifest[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const manifests: LocalManifest[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const m = item as { ID?: unknown; Kind?: unknown; Available?: unknown; Descriptor?: { platform?: Record<string, unknown> } };
    if (typeof m.ID !== 'string' || typeof m.Kind !== 'string') continue;
    const manifest: LocalManifest = { digest: m.ID, kind: m.Kind, available: m.Available === true };
    const p = m.Descriptor?.platform;
    if (p && typeof p === 'object') {
      manifest.platform = {};
      if (typeof p.os === 'string') manifest.platform.os = p.os;
      if (typeof p.architecture === 'string') manifest.platform.architecture = p.architecture;
      if (typeof p.variant === 'string') manifest.platform.variant = p.variant;
    }
    manifests.push(manifest);
  }
  return manifests;
}

/** Image inspect's answer, as far as it is read. */
interface InspectAnswer {
  Id: string;
  RepoDigests?: string[];
  Os?: string;
  Architecture?: string;
  Created?: string;
  Config?: { Labels?: Record<string, string> | null } | null;
  Manifests?: unknown;
}

/**
 * An `InspectImage` over the engine at `endpoint`, asking with the version negotiated from
 * `engineApiVersion` (the first look's `Api-Version`). An engine that still refuses it as too old
 * named its minimum in the refusal: the lookup is asked once more with that version.
 */
export function dockerInspector(endpoint: DockerEndpoint, timeoutMs: number, engineApiVersion?: string): InspectImage {
  const negotiated = negotiateApiVersion(engineApiVersion);
  let renegotiated: string | undefined;
  // `manifests=1`: the containerd store's index and platform manifests (older engines ignore it).
  const ask = async (version: string | undefined, nameOrId: string): Promise<InspectAnswer | undefined> => {
    const answer = await get(endpoint, version, `/images/${imagePath(nameOrId)}/json?manifests=1`, timeoutMs);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200)
      throw new EngineAnswerError(answer.status, `image inspect answered ${answer.status}: ${engineMessage(answer)}`);
    const info = JSON.parse(answer.body) as InspectAnswer;
    if (typeof info?.Id !== 'string') throw new Error('image inspect answered without an Id');
    return info;
  };
  const inspect = async (nameOrId: string): Promise<InspectAnswer | undefined> => {
    const version = renegotiated ?? negotiated;
    try {
      return await ask(version, nameOrId);
    } catch (err) {
      const minimum = err instanceof EngineAnswerError && err.status === 400 ? minimumFromRefusal(err.message) : undefined;
      if (minimum === undefined || renegotiated !== undefined) throw err;
      renegotiated = negotiateApiVersion(engineApiVersion ?? minimum, minimum);
      return ask(renegotiated, nameOrId);
    }
  };
  return async (nameOrId) => {
    const info = await inspect(nameOrId);
    if (!info) return undefined;
    const result: Awaited<ReturnType<InspectImage>> = { id: info.Id, repoDigests: info.RepoDigests ?? [] };
    if (info.Os) result.os = info.Os;
    if (info.Architecture) result.architecture = info.Architecture;
    if (info.Created) result.created = info.Created;
    if (info.Config?.Labels) result.labels = info.Config.Labels;
    const manifests = localManifests(info.Manifests);
    if (manifests) result.manifests = manifests;
    return result;
  };
}

/**
 * The engine's tags of a repository now, normalised (`registry/repository:tag`): for a
 * `docker push --all-tags`. Every image is listed and matched here, so that the engine's own
 * reference filter (familiar names, glob patterns) need not be second-guessed.
 */
export function dockerRepositoryTags(
  endpoint: DockerEndpoint,
  timeoutMs: number,
  engineApiVersion?: string,
): (repository: string) => Promise<string[]> {
  const version = negotiateApiVersion(engineApiVersion);
  let listing: Promise<{ RepoTags?: string[] | null }[]> | undefined;
  const list = async (): Promise<{ RepoTags?: string[] | null }[]> => {
    const answer = await get(endpoint, version, '/images/json', timeoutMs);
    if (answer.status !== 200) throw new EngineAnswerError(answer.status, `image list answered ${answer.status}: ${engineMessage(answer)}`);
    const images = JSON.parse(answer.body) as unknown;
    return Array.isArray(images) ? (images as { RepoTags?: string[] | null }[]) : [];
  };
  return async (repository) => {
    // An engine that cannot list its images leaves the tag events alone to tell: never a failed collection.
    listing ??= list().catch(() => []);
    const tags: string[] = [];
    for (const image of await listing) {
      for (const text of image?.RepoTags ?? []) {
        try {
          const reference = parseImageReference(text);
          if (reference.tag !== undefined && repositoryName(reference) === repository) tags.push(formatImageReference(reference));
        } catch {
          // `<none>:<none>` and the like name no tag.
        }
      }
    }
    return tags;
  };
}
