/**
 * The collection's dependencies built for real, the same for every host (the task's and the
 * action's `collect.ts`): the engine through its API (`engine.ts`), the registries (with the
 * runner's or agent's own Docker and Podman logins, read only when a registry asks for
 * credentials), BuildKit's build history through the engine (the `/grpc` upgrade, or gRPC on its
 * socket), buildx metadata files, the service, the clock. A host's bundle entry passes them to
 * `collectAndReport` (collection.ts) with its own `CollectionHost`.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import type { CollectionDependencies } from './collection';
import type { MetadataFile } from './buildx';
import type { ReadBuildHistory } from './buildkitCollection';
import { BuildKitUnavailableError, engineDialer, openBuildKit, readContent, readHistory } from './buildkitClient';
import { deliverReport } from './deliver';
import { dockerInspector, dockerRepositoryTags } from './dockerImages';
import { authFilePaths, readAuthFiles, registryDigestLookup } from './registryDigest';

/** BuildKit's build history and the blobs asked for, on one session (buildkitClient.ts); never throws. */
export const readBuildHistory: ReadBuildHistory = async (endpoint, deadlineMs, wanted, completedSinceMs) => {
  try {
    const session = await openBuildKit(engineDialer(endpoint), deadlineMs);
    try {
      const events = await readHistory(session, completedSinceMs);
      const contents = new Map<string, Buffer>();
      for (const digest of wanted(events)) {
        const blob = await readContent(session, digest).catch(() => undefined);
        if (blob) contents.set(digest, blob);
      }
      return { ok: true, events, contents };
    } finally {
      session.close();
    }
  } catch (err) {
    const unsupported = err instanceof BuildKitUnavailableError && err.unsupported;
    return { ok: false, reason: (err as Error).message, unsupported };
  }
};

/** Reads buildx metadata files (the first MiB of each); one that vanished since the listing was not ours to report. */
export function readMetadataFiles(paths: readonly string[]): MetadataFile[] {
  const files: MetadataFile[] = [];
  for (const path of paths) {
    try {
      files.push({ name: path, text: readFileSync(path, 'utf8').slice(0, 1024 * 1024), modifiedMs: statSync(path).mtimeMs });
    } catch {
      // A file that vanished between the listing and now was not ours to report.
    }
  }
  return files;
}

/** The real dependencies; `env` holds DOCKER_CONFIG / REGISTRY_AUTH_FILE for the stored logins. */
export function collectionDependencies(env: NodeJS.ProcessEnv = process.env): CollectionDependencies {
  return {
    inspector: dockerInspector,
    repositoryTags: dockerRepositoryTags,
    registryDigest: (timeoutMs) => registryDigestLookup(() => readAuthFiles(authFilePaths(env, homedir())), timeoutMs),
    deliverReport,
    readMetadataFiles,
    readBuildHistory,
    now: () => Date.now(),
  };
}
