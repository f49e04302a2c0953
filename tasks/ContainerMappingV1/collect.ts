/**
 * The collector bundle's entry (`collect.js`), loaded lazily by index.ts when the first look
 * found something to report. The one place where the collection's dependencies are built for
 * real: the agent's logging commands, the engine, the organisation's REST API, the service,
 * the file system and the clock. The flow itself is in collection.ts. Node built-ins only
 * (see tasks/README.md, *Performance design*, for what that saves).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probe } from './probe';
import { runCollection, type CollectorDependencies } from './collection';
import { createOidcToken, jobStartTime } from './pipelineApi';
import { collectionDependencies } from '../../collector/dependencies';
import { addAttachment, debug, info, setSecret, succeedWithIssues, warn } from './output';

/** The real dependencies. */
export function collectorDependencies(): CollectorDependencies {
  return {
    // The engine, the registries (with the agent's own Docker and Podman logins, read only if a registry asks for
    // credentials), BuildKit's history, buildx metadata files, the service and the clock: as for every host.
    ...collectionDependencies(process.env),
    jobStartTime,
    createOidcToken,
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
  };
}

/** Runs the full collection for a probe that found work, with the real dependencies. */
export async function collect(probe: Probe): Promise<void> {
  await runCollection(probe, collectorDependencies());
}
