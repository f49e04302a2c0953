/**
 * The collector bundle's entry (`collect.js`), loaded lazily by index.ts when the first look
 * found something to report. The one place where the collection's dependencies are built for
 * real: the agent's logging commands, the engine, the organisation's REST API, the service,
 * the file system and the clock. The flow itself is in collection.ts. Node built-ins only
 * (see tasks/README.md, *Performance design*, for what that saves).
 */
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
import { addAttachment, debug, info, setSecret, succeedWithIssues, warn } from './output';
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
    addAttachment,
    agent: {
      setSecret,
      // The agent hands node tasks a correlation id for the issues they file (task-lib's `_loadData` reads it).
      setResult: (_result, message) => succeedWithIssues(message, process.env.COMMAND_CORRELATION_ID),
      info,
      warn,
      debug,
    },
    now: () => Date.now(),
  };
}

/** Runs the full collection for a probe that found work, with the real dependencies. */
export async function collect(probe: Probe): Promise<void> {
  await runCollection(probe, collectorDependencies());
}
