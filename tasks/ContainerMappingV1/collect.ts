/**
 * The collector bundle's entry (`collect.js`), loaded lazily by index.ts when the first look
 * found something to report. The one place where the collection's dependencies are built for
 * real: task-lib's logging commands, the engine through dockerode, the organisation's REST
 * API, the service, the file system and the clock. The flow itself is in collection.ts.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probe } from './probe';
import type { MetadataFile } from '../../collector/buildx';
import { runCollection, type CollectorDependencies } from './collection';
import { createOidcToken, jobStartTime } from './pipelineApi';
import { deliverReport } from '../../collector/deliver';
import { dockerInspector, dockerRepositoryTags } from '../../collector/dockerImages';
import { authFilePaths, readAuthFiles, registryDigestLookup } from '../../collector/registryDigest';
import { info, warn } from './output';
import type { ReadBuildHistory } from '../../collector/buildkitCollection';
import { BuildKitUnavailableError, engineDialer, openBuildKit, readContent, readHistory } from '../../collector/buildkitClient';

/** BuildKit's build history and the blobs asked for, through the engine's `/grpc` upgrade (buildkitClient.ts). */
const readBuildHistory: ReadBuildHistory = async (endpoint, deadlineMs, wanted) => {
  try {
    const session = await openBuildKit(engineDialer(endpoint), deadlineMs);
    try {
      const events = await readHistory(session);
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
function readMetadataFiles(paths: readonly string[]): MetadataFile[] {
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

/** The real dependencies. */
export function collectorDependencies(): CollectorDependencies {
  return {
    inspector: dockerInspector,
    repositoryTags: dockerRepositoryTags,
    // The agent's own Docker and Podman logins, read only if a registry asks for credentials.
    registryDigest: (timeoutMs) => registryDigestLookup(() => readAuthFiles(authFilePaths(process.env, homedir())), timeoutMs),
    jobStartTime,
    createOidcToken,
    deliverReport,
    readMetadataFiles,
    readBuildHistory,
    writeFile(folder, name, text) {
      const directory = folder ?? tmpdir();
      mkdirSync(directory, { recursive: true });
      const path = join(directory, name);
      writeFileSync(path, text);
      return path;
    },
    addAttachment: (type, name, path) => tl.addAttachment(type, name, path),
    agent: {
      setSecret: (value) => tl.setSecret(value),
      // `true`: `task.complete` with `done=true`, the step's final result (azure-pipelines-task-lib node/task.ts, setResult).
      setResult: (_result, message) => tl.setResult(tl.TaskResult.SucceededWithIssues, message, true),
      info,
      warn,
    },
    now: () => Date.now(),
  };
}

/** Runs the full collection for a probe that found work, with the real dependencies. */
export async function collect(probe: Probe): Promise<void> {
  // Deprecation warnings from the bundled clients would be the only lines on stderr, and no
  // user can act on them: `new Buffer()` in the proxy tunnel azure-devops-node-api uses, and
  // `url.parse()` in its HTTP client, which Node 24 (the agent's preferred handler) warns about.
  process.noDeprecation = true;
  await runCollection(probe, collectorDependencies());
}
