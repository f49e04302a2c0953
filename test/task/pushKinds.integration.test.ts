/**
 * The packaged task against pushes the first version missed, each on a real engine and checked
 * against the real registry's `Docker-Content-Digest`: a Podman push seen through Podman's
 * Docker-compatible API, `docker push --all-tags`, and a promotion (an image holding two
 * digests in the pushed repository).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Report } from '../../common/report';
import { DOCKER_SOCKET, REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { buildScratchImage, docker, registryDigest, removeImages, tagImage, uniqueRepository } from '../support/docker';
import { podman, podmanSocket } from '../support/podman';
import { ReportReceiver } from './receiver';
import {
  agentEnvironment,
  nextWholeSecond,
  runTask,
  taskDirectory,
  type SimulatedJob,
  type TaskRun,
  startTaskRig,
  closeTaskRig,
} from './runTask';

function assertSucceeded(run: TaskRun): void {
  assert.equal(run.code, 0, `exit code ${run.code}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stdout, /##vso\[task\.complete result=(Failed|Cancelled)/);
}

function onlyReport(receiver: ReportReceiver, run: TaskRun): Report {
  assert.equal(receiver.received.length, 1, `expected one report; the task said:\n${run.stdout}`);
  return receiver.received[0]?.body as Report;
}

/** Builds a `FROM scratch` image with Podman (buildah underneath), tagged `reference`; returns its image ID. */
async function podmanBuild(reference: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-podman-image-'));
  try {
    await writeFile(join(dir, 'content.txt'), content);
    await writeFile(join(dir, 'Containerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
    const out = await podman(['build', '--quiet', '--file', join(dir, 'Containerfile'), '--tag', reference, dir]);
    return `sha256:${out.trim().split('\n').pop() ?? ''}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('The injected task on pushes beyond a plain docker push', function () {
  let dir: string;
  let devops: AzureDevOpsStandIn;
  let receiver: ReportReceiver;
  let job: SimulatedJob;
  const dockerImages: string[] = [];
  const podmanImages: string[] = [];

  before(async function () {
    await requireDocker();
    await requireRegistry(REGISTRY);
    dir = await taskDirectory();
  });

  beforeEach(async function () {
    ({ devops, receiver, job } = await startTaskRig());
  });

  afterEach(async function () {
    await closeTaskRig({ devops, receiver, job });
  });

  after(async function () {
    await removeImages(dockerImages);
    if (podmanImages.length > 0) await podman(['image', 'rm', '--force', ...podmanImages]).catch(() => undefined);
  });

  async function startJob(): Promise<number> {
    const pipelineStart = await nextWholeSecond();
    devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
    return pipelineStart;
  }

  function env(pipelineStart: number, dockerHost: string): Record<string, string> {
    return agentEnvironment(job, pipelineStart, { INPUT_DOCKERHOST: dockerHost, INPUT_SERVICEURL: receiver.url });
  }

  it("reports a Podman push, seen through Podman's Docker-compatible API, with the registry's digest", async function () {
    const socket = await podmanSocket();
    const repository = uniqueRepository('podman');
    const reference = `${REGISTRY}/${repository}:1`;
    const pipelineStart = await startJob();
    podmanImages.push(reference);
    const imageId = await podmanBuild(reference, `podman ${randomUUID()}`);
    await podman(['push', '--quiet', '--tls-verify=false', reference]);

    const run = await runTask(dir, env(pipelineStart, `unix://${socket}`));
    assertSucceeded(run);

    const report = onlyReport(receiver, run);
    const mine = report.images.filter((i) => i.repository === repository);
    assert.deepEqual(
      mine.map((i) => [i.registry, i.tag, i.imageId, i.origin]),
      [[REGISTRY, '1', imageId, 'docker-events']],
      run.stdout,
    );
    assert.equal(mine[0]?.digest, await registryDigest(REGISTRY, repository, '1'));
    assert.deepEqual(report.warnings, [], run.stdout);
  });

  it('reports every tag of a docker push --all-tags with its digest, and does not say the image is gone', async function () {
    const repository = uniqueRepository('all-tags');
    const name = `${REGISTRY}/${repository}`;
    const pipelineStart = await startJob();
    dockerImages.push(`${name}:a`, `${name}:b`, `${name}:c`);
    await buildScratchImage(`${name}:a`, `all-tags a ${randomUUID()}`);
    await tagImage(`${name}:a`, `${name}:b`);
    await buildScratchImage(`${name}:c`, `all-tags c ${randomUUID()}`);
    await docker(['push', '--quiet', '--all-tags', name]);

    const run = await runTask(dir, env(pipelineStart, `unix://${DOCKER_SOCKET}`));
    assertSucceeded(run);

    const report = onlyReport(receiver, run);
    const mine = report.images.filter((i) => i.repository === repository);
    assert.deepEqual(mine.map((i) => i.tag).sort(), ['a', 'b', 'c'], run.stdout);
    for (const image of mine) assert.equal(image.digest, await registryDigest(REGISTRY, repository, image.tag ?? ''), image.tag);
    assert.doesNotMatch(run.stdout, /no longer on the agent/);
    assert.deepEqual(report.warnings, [], run.stdout);
  });

  it('reports the digest the registry holds for a promoted tag when the image holds two digests in the repository', async function () {
    // A promotion as it happens: a release candidate pushed by another tool (Podman writes an OCI
    // manifest), pulled by Docker, re-tagged and pushed, which makes Docker write its own manifest.
    const repository = uniqueRepository('promotion');
    const name = `${REGISTRY}/${repository}`;
    podmanImages.push(`${name}:rc`);
    dockerImages.push(`${name}:rc`, `${name}:1.0`);
    await podmanBuild(`${name}:rc`, `promotion ${randomUUID()}`);
    await podman(['push', '--quiet', '--tls-verify=false', `${name}:rc`]);
    const pipelineStart = await startJob();
    await docker(['pull', '--quiet', `${name}:rc`]);
    await tagImage(`${name}:rc`, `${name}:1.0`);
    await docker(['push', '--quiet', `${name}:1.0`]);
    const repoDigests = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${name}:1.0`])) as string[];
    assert.equal(repoDigests.length, 2, `the scenario needs two digests in the repository: ${repoDigests.join(', ')}`);

    const run = await runTask(dir, env(pipelineStart, `unix://${DOCKER_SOCKET}`));
    assertSucceeded(run);

    const report = onlyReport(receiver, run);
    const mine = report.images.filter((i) => i.repository === repository);
    assert.deepEqual(
      mine.map((i) => i.tag),
      ['1.0'],
      run.stdout,
    );
    assert.equal(mine[0]?.digest, await registryDigest(REGISTRY, repository, '1.0'));
    assert.deepEqual(report.warnings, [], run.stdout);
  });
});
