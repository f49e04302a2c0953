/**
 * Image lookups through dockerode (loaded only when something was pushed), bounded in time.
 */
import Docker from 'dockerode';
import type { DockerEndpoint } from './dockerHost';
import { tlsMaterial } from './engine';
import type { InspectImage } from './pushes';
import { formatImageReference, parseImageReference, repositoryName } from '../../common/imageReference';

/** dockerode options for an endpoint. */
function dockerOptions(endpoint: DockerEndpoint, timeoutMs: number): Docker.DockerOptions {
  if (endpoint.kind === 'unix' || endpoint.kind === 'npipe') return { socketPath: endpoint.socketPath, timeout: timeoutMs };
  if (endpoint.kind !== 'tcp') throw new Error(endpoint.reason);
  const tls = tlsMaterial(endpoint);
  const options: Docker.DockerOptions = { host: endpoint.host, port: endpoint.port, protocol: tls ? 'https' : 'http', timeout: timeoutMs };
  if (tls?.ca) options.ca = tls.ca;
  if (tls?.cert) options.cert = tls.cert;
  if (tls?.key) options.key = tls.key;
  return options;
}

/** An `InspectImage` over the engine at `endpoint`. */
export function dockerInspector(endpoint: DockerEndpoint, timeoutMs: number): InspectImage {
  const docker = new Docker(dockerOptions(endpoint, timeoutMs));
  return async (nameOrId) => {
    try {
      const info = await docker.getImage(nameOrId).inspect();
      const result: Awaited<ReturnType<InspectImage>> = { id: info.Id, repoDigests: info.RepoDigests ?? [] };
      if (info.Os) result.os = info.Os;
      if (info.Architecture) result.architecture = info.Architecture;
      if (info.Created) result.created = info.Created;
      if (info.Config?.Labels) result.labels = info.Config.Labels;
      return result;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  };
}

/**
 * The engine's tags of a repository now, normalised (`registry/repository:tag`): for a
 * `docker push --all-tags`. Every image is listed and matched here, so that the engine's own
 * reference filter (familiar names, glob patterns) need not be second-guessed.
 */
export function dockerRepositoryTags(endpoint: DockerEndpoint, timeoutMs: number): (repository: string) => Promise<string[]> {
  const docker = new Docker(dockerOptions(endpoint, timeoutMs));
  let listing: Promise<Docker.ImageInfo[]> | undefined;
  return async (repository) => {
    // An engine that cannot list its images leaves the tag events alone to tell: never a failed collection.
    listing ??= docker.listImages().catch(() => []);
    const tags: string[] = [];
    for (const image of await listing) {
      for (const text of image.RepoTags ?? []) {
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
