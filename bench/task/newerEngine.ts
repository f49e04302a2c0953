/**
 * `bench:task`'s scenarios on the newer engine (Debian unstable's Docker, started by
 * `scripts/services.sh`): the first look's cost against an idle engine on each image store, and a
 * job whose one push is a BuildKit one (`docker build --push`, buildx's `docker` driver, containerd
 * store), which the engine logs as `create` and `tag` only, so the task reads the build history.
 * Measured in the same interleaved rounds and against the same floor as the other scenarios.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { REGISTRY } from '../../test/support/services';
import { registryDigest, uniqueRepository } from '../../test/support/docker';
import type { AzureDevOpsStandIn } from '../../test/support/azureDevOps';
import { NEWER_DOCKER_CLASSIC, NEWER_DOCKER_CONTAINERD, engineCli, engineVersion, requireEngine } from '../../test/support/engines';
import { agentEnvironment, newJob, nextWholeSecond, type SimulatedJob } from '../../test/task/runTask';

/** A scenario as bench.ts runs it. */
export interface NewerEngineScenario {
  name: string;
  budgetOverFloorMs: number;
  env: Record<string, string>;
}

/** What a report the bench's receiver got looks like, as far as the check needs. */
type Sent = { pipeline?: { jobId?: string }; images?: { repository: string; digest: string }[] };

/** The newer engine's scenarios, the check of what its BuildKit job reported, and the clean-up. */
export interface NewerEngineBench {
  scenarios: NewerEngineScenario[];
  /** The engine versions, for the printed table. */
  versions: string;
  /** Throws unless every run of the BuildKit job reported its one image with the registry's digest. */
  check(sent: readonly unknown[], runs: number): void;
  /** The idle scenarios' jobs: a report for one means another user of the shared engine acted in its window. */
  idleJobIds: string[];
  cleanup(): Promise<void>;
}

/** Prepares the newer engine's scenarios: one `docker build --push` in its job's window, idle windows after it. */
export async function newerEngineScenarios(devops: AzureDevOpsStandIn, receiverUrl: string): Promise<NewerEngineBench> {
  await requireEngine(NEWER_DOCKER_CONTAINERD);
  await requireEngine(NEWER_DOCKER_CLASSIC);
  const version = await engineVersion(NEWER_DOCKER_CONTAINERD);
  const buildKitJob = newJob(devops.url);
  const buildKitStart = await nextWholeSecond();
  devops.setTimeline(buildKitJob.buildId, [{ id: buildKitJob.jobId, startTime: new Date(buildKitStart).toISOString() }]);
  const repository = uniqueRepository('bench-buildkit');
  const reference = `${REGISTRY}/${repository}:1`;
  const context = await mkdtemp(join(tmpdir(), 'cm-bench-bk-'));
  try {
    await writeFile(join(context, 'content.txt'), `bench buildkit ${randomUUID()}`);
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
    await engineCli(NEWER_DOCKER_CONTAINERD, ['build', '--quiet', '--push', '--tag', reference, context]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const expected = await registryDigest(REGISTRY, repository, '1');
  // The idle windows start after the build: other users of the shared engines may still act in them (see `disturbed`).
  const idleStart = await nextWholeSecond();
  const idleContainerd = newJob(devops.url);
  const idleClassic = newJob(devops.url);
  const base = { INPUT_SERVICEURL: receiverUrl };
  const scenarios: NewerEngineScenario[] = [
    {
      name: 'newer engine (containerd store), no pushes',
      budgetOverFloorMs: 50,
      env: agentEnvironment(idleContainerd, idleStart, { ...base, INPUT_DOCKERHOST: `unix://${NEWER_DOCKER_CONTAINERD.socket}` }),
    },
    {
      name: 'newer engine (classic store), no pushes',
      budgetOverFloorMs: 50,
      env: agentEnvironment(idleClassic, idleStart, { ...base, INPUT_DOCKERHOST: `unix://${NEWER_DOCKER_CLASSIC.socket}` }),
    },
    {
      name: 'newer engine (containerd store), 1 docker build --push (build history)',
      budgetOverFloorMs: 300,
      env: agentEnvironment(buildKitJob, buildKitStart, { ...base, INPUT_DOCKERHOST: `unix://${NEWER_DOCKER_CONTAINERD.socket}` }),
    },
  ];
  const jobs: SimulatedJob[] = [buildKitJob, idleContainerd, idleClassic];
  return {
    scenarios,
    versions: `newer engine: Docker ${version.Version}, API ${version.ApiVersion}`,
    check(sent, runs) {
      const reports = (sent as readonly Sent[]).filter((r) => r.pipeline?.jobId === buildKitJob.jobId);
      const right = reports.filter((r) => {
        const mine = (r.images ?? []).filter((i) => i.repository === repository);
        return mine.length === 1 && mine[0]?.digest === expected;
      });
      if (reports.length !== runs || right.length !== runs)
        throw new Error(
          `expected ${runs} reports of ${reference} with the registry's digest ${expected}, got ${reports.length} reports, ${right.length} right`,
        );
    },
    async cleanup() {
      await engineCli(NEWER_DOCKER_CONTAINERD, ['image', 'rm', '--force', reference]).catch(() => undefined);
      for (const job of jobs) await rm(job.tempDirectory, { recursive: true, force: true });
    },
    idleJobIds: [idleContainerd.jobId, idleClassic.jobId],
  };
}
