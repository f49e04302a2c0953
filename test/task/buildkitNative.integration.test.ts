/**
 * BuildKit's build history read where the engine serves gRPC natively on its socket (HTTP/2 with
 * prior knowledge, moby/moby#50744) and has no `/grpc` upgrade route. No engine that runs here does
 * that by itself (Docker 28 still has only the upgrade; Docker 29 serves both), so the real newer
 * engine is reached through test/support/nativeGrpcFront.ts, which carries HTTP/2 connections to
 * its real gRPC server and sends `/grpc` on as a route the engine does not have. Podman, which
 * serves neither, must stay "unsupported" (nothing said in the report). Every digest is compared
 * with the registry's `Docker-Content-Digest`.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Report } from '../../common/report';
import { BuildKitUnavailableError, engineDialer, listBuildHistory } from '../../collector/buildkitClient';
import { pushesFromHistory } from '../../collector/buildkitHistory';
import { REGISTRY, requireRegistry } from '../support/services';
import { registryDigest, uniqueRepository } from '../support/docker';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { NEWER_DOCKER_CONTAINERD, PODMAN, engineCli, requireEngine } from '../support/engines';
import { startNativeGrpcFront, type NativeGrpcFront } from '../support/nativeGrpcFront';
import { ReportReceiver } from './receiver';
import { agentEnvironment, nextWholeSecond, newJob, runTask, taskDirectory } from './runTask';

const unix = (socketPath: string) => ({ kind: 'unix' as const, socketPath, display: `unix://${socketPath}` });

/** `docker build --push` of a one-file `FROM scratch` image on the containerd store; returns its repository. */
async function buildAndPush(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-bk-native-'));
  try {
    await writeFile(join(dir, 'content.txt'), `native ${randomUUID()}`);
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
    const repository = uniqueRepository(prefix);
    await engineCli(NEWER_DOCKER_CONTAINERD, ['build', '--quiet', '--push', '--tag', `${REGISTRY}/${repository}:1`, dir]);
    return repository;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('BuildKit build history through gRPC served natively on the engine socket', function () {
  this.timeout(120_000);
  let front: NativeGrpcFront;

  before(async function () {
    await requireRegistry(REGISTRY);
    await requireEngine(NEWER_DOCKER_CONTAINERD);
    front = await startNativeGrpcFront(NEWER_DOCKER_CONTAINERD.socket);
  });

  after(async function () {
    await front?.close();
  });

  it('reads the history over HTTP/2 on the socket when the engine has no /grpc route', async function () {
    const since = Date.now() - 1000;
    const repository = await buildAndPush('bk-native');
    const events = await listBuildHistory(engineDialer(unix(front.socket)), Date.now() + 10_000);
    const mine = pushesFromHistory(events, since, Date.now() + 1000).images.filter((i) => i.repository === repository);
    assert.deepEqual(
      mine.map((i) => i.digest),
      [await registryDigest(REGISTRY, repository, '1')],
    );
    assert.ok(front.refusedUpgrades() >= 1, 'the /grpc upgrade was tried first');
    assert.ok(front.http2Connections() >= 1, 'the history came over HTTP/2 on the socket');
  });

  it('runs the packaged task against that engine and reports the docker build --push with the registry digest', async function () {
    const devops = await AzureDevOpsStandIn.start();
    const receiver = await ReportReceiver.start();
    const job = newJob(devops.url);
    try {
      const dir = await taskDirectory();
      const pipelineStart = await nextWholeSecond();
      devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
      const repository = await buildAndPush('bk-native-task');
      const before = front.http2Connections();
      const run = await runTask(
        dir,
        agentEnvironment(job, pipelineStart, { INPUT_DOCKERHOST: `unix://${front.socket}`, INPUT_SERVICEURL: receiver.url }),
      );
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.equal(receiver.received.length, 1, run.stdout);
      const report = receiver.received[0]?.body as Report;
      const mine = report.images.filter((i) => i.repository === repository);
      assert.deepEqual(
        mine.map((i) => [i.tag, i.digest, i.origin]),
        [['1', await registryDigest(REGISTRY, repository, '1'), 'buildkit-history']],
        run.stdout,
      );
      assert.deepEqual(
        report.warnings.filter((w) => w.code.startsWith('buildkit')),
        [],
      );
      assert.ok(front.http2Connections() > before, 'the task read the history over HTTP/2 on the socket');
      await engineCli(NEWER_DOCKER_CONTAINERD, ['image', 'rm', '--force', `${REGISTRY}/${repository}:1`]).catch(() => undefined);
    } finally {
      await devops.close();
      await receiver.close();
      rmSync(job.tempDirectory, { recursive: true, force: true });
    }
  });

  it('still finds Podman, which serves neither, unsupported (nothing to say), not unavailable', async function () {
    await requireEngine(PODMAN);
    const error = await listBuildHistory(engineDialer(unix(PODMAN.socket)), Date.now() + 10_000).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(error instanceof BuildKitUnavailableError, String(error));
    assert.equal(error.unsupported, true, error.message);
  });
});
