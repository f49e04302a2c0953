/**
 * Image lookups through dockerode (loaded only when something was pushed), bounded in time, with
 * the API version negotiated from the first look's answer (apiVersion.ts).
 */
import Docker from 'dockerode';
import type { DockerEndpoint } from './dockerHost';
import { tlsMaterial } from './engine';
import type { InspectImage } from './pushes';
import type { LocalManifest } from './indexManifests';
import { minimumFromRefusal, negotiateApiVersion } from './apiVersion';
import { formatImageReference, parseImageReference, repositoryName } from '../common/imageReference';

/** dockerode options for an endpoint. */
function dockerOptions(endpoint: DockerEndpoint, timeoutMs: number, apiVersion: string | undefined): Docker.DockerOptions {
  // dockerode puts `version` before every path (`/v1.51/images/…`); without it the engine answers as its newest.
  const version = apiVersion !== undefined ? { version: `v${apiVersion}` } : {};
  if (endpoint.kind === 'unix' || endpoint.kind === 'npipe') return { socketPath: endpoint.socketPath, timeout: timeoutMs, ...version };
  if (endpoint.kind !== 'tcp') throw new Error(endpoint.reason);
  const tls = tlsMaterial(endpoint);
  const options: Docker.DockerOptions = {
    host: endpoint.host,
    port: endpoint.port,
    protocol: tls ? 'https' : 'http',
    timeout: timeoutMs,
    ...version,
  };
  if (tls?.ca) options.ca = tls.ca;
  if (tls?.cert) options.cert = tls.cert;
  if (tls?.key) options.key = tls.key;
  return options;
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

/**
 * An `InspectImage` over the engine at `endpoint`, asking with the version negotiated from
 * `engineApiVersion` (the first look's `Api-Version`). An engine that still refuses it as too old
 * named its minimum in the refusal: the lookup is asked once more with that version.
 */
export function dockerInspector(endpoint: DockerEndpoint, timeoutMs: number, engineApiVersion?: string): InspectImage {
  const docker = new Docker(dockerOptions(endpoint, timeoutMs, negotiateApiVersion(engineApiVersion)));
  let renegotiated: Docker | undefined;
  const inspect = async (nameOrId: string): Promise<Docker.ImageInspectInfo & { Manifests?: unknown }> => {
    // `manifests`: the containerd store's index and platform manifests (older engines ignore it).
    // Through the modem: dockerode 5's `Image.inspect(opts)` drops its options (docker-modem appends
    // a query only to a path that holds a `?`).
    const ask = (client: Docker) =>
      new Promise<Docker.ImageInspectInfo & { Manifests?: unknown }>((resolve, reject) => {
        client.modem.dial(
          {
            path: `/images/${nameOrId}/json?`,
            method: 'GET',
            options: { manifests: '1' },
            statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
          },
          (err, data) => (err ? reject(err) : resolve(data as Docker.ImageInspectInfo & { Manifests?: unknown })),
        );
      });
    const client = renegotiated ?? docker;
    try {
      return await ask(client);
    } catch (err) {
      const minimum = (err as { statusCode?: number }).statusCode === 400 ? minimumFromRefusal((err as Error).message) : undefined;
      if (minimum === undefined || client !== docker) throw err;
      renegotiated ??= new Docker(dockerOptions(endpoint, timeoutMs, negotiateApiVersion(engineApiVersion ?? minimum, minimum)));
      return ask(renegotiated);
    }
  };
  return async (nameOrId) => {
    try {
      const info = await inspect(nameOrId);
      const result: Awaited<ReturnType<InspectImage>> = { id: info.Id, repoDigests: info.RepoDigests ?? [] };
      if (info.Os) result.os = info.Os;
      if (info.Architecture) result.architecture = info.Architecture;
      if (info.Created) result.created = info.Created;
      if (info.Config?.Labels) result.labels = info.Config.Labels;
      const manifests = localManifests(info.Manifests);
      if (manifests) result.manifests = manifests;
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
export function dockerRepositoryTags(
  endpoint: DockerEndpoint,
  timeoutMs: number,
  engineApiVersion?: string,
): (repository: string) => Promise<string[]> {
  const docker = new Docker(dockerOptions(endpoint, timeoutMs, negotiateApiVersion(engineApiVersion)));
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
