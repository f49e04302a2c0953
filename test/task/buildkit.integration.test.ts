/**
 * BuildKit's build history read for real: `docker build --push` (buildx's `docker` driver) on the
 * newer engine's two image stores, pushing a `FROM scratch` image to the local registry, then the
 * history read through the engine's `/grpc` upgrade (buildkitClient.ts) and, at the end, the packaged
 * task run as the agent runs it. Every digest is compared with the registry's Docker-Content-Digest.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ReportSchema, type Report } from '../../common/report';
import { BuildKitUnavailableError, engineDialer, listBuildHistory } from '../../collector/buildkitClient';
import { pushesFromHistory } from '../../collector/buildkitHistory';
import { DOCKER_SOCKET, REGISTRY, requireAgentNode, requireDocker, requireRegistry } from '../support/services';
import { registryDigest, uniqueRepository } from '../support/docker';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import {
  NEWER_DOCKER_CLASSIC,
  NEWER_DOCKER_CONTAINERD,
  engineCli,
  engineVersion,
  registryManifest,
  requireEngine,
  socketGet,
  type TestEngine,
} from '../support/engines';
import { ReportReceiver } from './receiver';
import { agentEnvironment, nextWholeSecond, newJob, runTask, taskDirectory } from './runTask';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateReport = ajv.compile(ReportSchema);

const unix = (socketPath: string) => ({ kind: 'unix' as const, socketPath, display: `unix://${socketPath}` });

/** Fails unless `engine` answers (with the reason services.sh gave); its Docker version, for the log. */
async function requireNewerEngine(engine: TestEngine): Promise<string> {
  await requireEngine(engine);
  return (await engineVersion(engine)).Version;
}

/** `docker build --push` of a one-file `FROM scratch` image; returns the pushed reference. */
async function buildAndPush(engine: TestEngine, repository: string, platforms?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-bk-'));
  try {
    await writeFile(join(dir, 'content.txt'), `buildkit ${randomUUID()}`);
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
    const reference = `${REGISTRY}/${repository}:1`;
    await engineCli(engine, ['build', '--push', ...(platforms ? ['--platform', platforms] : []), '--tag', reference, dir]);
    return reference;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('BuildKit build history on real engines', function () {
  this.timeout(180_000);

  before(async function () {
    await requireRegistry(REGISTRY);
  });

  it('reads the pushed index digest and the provenance digest of a docker build --push on the containerd store', async function () {
    const version = await requireNewerEngine(NEWER_DOCKER_CONTAINERD);
    console.log(`      (${NEWER_DOCKER_CONTAINERD.label}: Docker ${version})`);
    const repository = uniqueRepository('bk-containerd');
    const since = Date.now() - 1000;
    await buildAndPush(NEWER_DOCKER_CONTAINERD, repository);
    const events = await listBuildHistory(engineDialer(unix(NEWER_DOCKER_CONTAINERD.socket)), Date.now() + 10_000);
    const pushes = pushesFromHistory(events, since, Date.now() + 1000);
    const mine = pushes.images.filter((i) => i.repository === repository);
    assert.equal(mine.length, 1, JSON.stringify(pushes, null, 2));
    assert.equal(mine[0]?.digest, await registryDigest(REGISTRY, repository, '1'));
    assert.match(mine[0]?.provenanceDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    // The engine logged no push for it: the history is the only source.
    const log = await socketGet(
      NEWER_DOCKER_CONTAINERD.socket,
      `/events?since=${Math.floor(since / 1000)}&until=${Math.ceil(Date.now() / 1000) + 1}`,
    );
    assert.doesNotMatch(
      log.body
        .split('\n')
        .filter((l) => l.includes(repository))
        .join('\n'),
      /"Action":"push"/,
    );
  });

  it("is sent only the builds completed since the window's start by Docker 28's BuildKit (0.20+), where the whole history is asked for none", async function () {
    await requireNewerEngine(NEWER_DOCKER_CONTAINERD);
    const dial = engineDialer(unix(NEWER_DOCKER_CONTAINERD.socket));
    const before = uniqueRepository('bk-filter-before');
    await buildAndPush(NEWER_DOCKER_CONTAINERD, before);
    // The filter counts whole seconds: the next build starts in a later second than the first one ended.
    await nextWholeSecond();
    const since = Date.now();
    const after = uniqueRepository('bk-filter-after');
    await buildAndPush(NEWER_DOCKER_CONTAINERD, after);
    const repositoriesOf = (events: Awaited<ReturnType<typeof listBuildHistory>>) =>
      pushesFromHistory(events, 0, Date.now() + 1000).images.map((i) => i.repository);

    const all = await listBuildHistory(dial, Date.now() + 10_000);
    const recent = await listBuildHistory(dial, Date.now() + 10_000, since);
    assert.ok(repositoriesOf(all).includes(before) && repositoriesOf(all).includes(after));
    assert.ok(repositoriesOf(recent).includes(after), JSON.stringify(repositoriesOf(recent)));
    assert.ok(!repositoriesOf(recent).includes(before), 'the build completed before the window was sent');
    const completed = recent.filter((e) => e.record?.completedAtMs !== undefined);
    assert.ok(
      completed.every((e) => (e.record?.completedAtMs ?? 0) >= Math.floor(since / 1000) * 1000),
      'every record sent completed in or after the second the window started',
    );
    assert.ok(recent.length < all.length);
  });

  it('names the classic store’s push without a digest (the history holds the image config), and the engine logged the push', async function () {
    const version = await requireNewerEngine(NEWER_DOCKER_CLASSIC);
    console.log(`      (${NEWER_DOCKER_CLASSIC.label}: Docker ${version})`);
    const repository = uniqueRepository('bk-classic');
    const since = Date.now() - 1000;
    const reference = await buildAndPush(NEWER_DOCKER_CLASSIC, repository);
    const events = await listBuildHistory(engineDialer(unix(NEWER_DOCKER_CLASSIC.socket)), Date.now() + 10_000);
    const pushes = pushesFromHistory(events, since, Date.now() + 1000);
    assert.deepEqual(
      pushes.images.filter((i) => i.repository === repository),
      [],
    );
    assert.ok(
      pushes.unresolved.some((u) => u.name === reference && /image\.v1\+json/.test(u.reason)),
      JSON.stringify(pushes.unresolved),
    );
    const log = await socketGet(
      NEWER_DOCKER_CLASSIC.socket,
      `/events?since=${Math.floor(since / 1000)}&until=${Math.ceil(Date.now() / 1000) + 1}`,
    );
    assert.match(log.body, new RegExp(`"Action":"push","Actor":\\{"ID":"${reference.replace(/[.]/g, '\\.')}"`));
  });

  it("says Docker 20.10's BuildKit has no build history, without waiting for the deadline", async function () {
    await requireDocker();
    const error = await listBuildHistory(engineDialer(unix(DOCKER_SOCKET)), Date.now() + 60_000).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(error instanceof BuildKitUnavailableError, String(error));
    assert.equal(error.unsupported, true, error.message);
    assert.match(error.message, /unimplemented/);
  });

  it('gives up on an engine that never answers the upgrade, at the deadline, as unavailable', async function () {
    const { createServer } = await import('node:net');
    const path = join(tmpdir(), `cm-silent-${randomUUID()}.sock`);
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const error = await listBuildHistory(engineDialer(unix(path)), Date.now() + 300).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(error instanceof BuildKitUnavailableError, String(error));
      assert.equal(error.unsupported, false);
      assert.match(error.message, /in time/);
    } finally {
      server.close();
    }
  });

  describe('the packaged task', function () {
    let devops: AzureDevOpsStandIn;
    let receiver: ReportReceiver;
    let job: ReturnType<typeof newJob>;
    beforeEach(async function () {
      devops = await AzureDevOpsStandIn.start();
      receiver = await ReportReceiver.start();
      job = newJob(devops.url);
    });
    afterEach(async function () {
      await devops.close();
      await receiver.close();
      rmSync(job.tempDirectory, { recursive: true, force: true });
    });

    it("reports a docker build --push on the containerd store with the registry's digest (no push event)", async function () {
      await requireNewerEngine(NEWER_DOCKER_CONTAINERD);
      const dir = await taskDirectory();
      const pipelineStart = await nextWholeSecond();
      devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
      const repository = uniqueRepository('bk-task');
      await buildAndPush(NEWER_DOCKER_CONTAINERD, repository);

      const run = await runTask(
        dir,
        agentEnvironment(job, pipelineStart, {
          INPUT_DOCKERHOST: `unix://${NEWER_DOCKER_CONTAINERD.socket}`,
          INPUT_SERVICEURL: receiver.url,
        }),
      );
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.equal(receiver.received.length, 1, run.stdout);
      const report = receiver.received[0]?.body as Report;
      assert.ok(validateReport(report), ajv.errorsText(validateReport.errors));
      const mine = report.images.filter((i) => i.repository === repository);
      assert.equal(mine.length, 1, JSON.stringify(report, null, 2));
      assert.equal(mine[0]?.digest, await registryDigest(REGISTRY, repository, '1'));
      assert.equal(mine[0]?.origin, 'buildkit-history');
      assert.equal(mine[0]?.tag, '1');
      assert.match(mine[0]?.provenanceDigest ?? '', /^sha256:/);
      assert.match(run.stdout, new RegExp(`Mapped .*${repository}:1`));
    });

    it('reports a two-platform build pushed as an index with its platform manifests, as the registry lists them, under the Node10 handler', async function () {
      await requireNewerEngine(NEWER_DOCKER_CONTAINERD);
      // The oldest Node.js an agent runs the task with: its node:http2 carries the gRPC calls.
      const node10 = requireAgentNode('Node10');
      const dir = await taskDirectory();
      const pipelineStart = await nextWholeSecond();
      devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
      const repository = uniqueRepository('bk-multi');
      // FROM scratch with no RUN step: both platforms build without emulation.
      await buildAndPush(NEWER_DOCKER_CONTAINERD, repository, 'linux/amd64,linux/arm64');

      const run = await runTask(
        dir,
        agentEnvironment(job, pipelineStart, {
          INPUT_DOCKERHOST: `unix://${NEWER_DOCKER_CONTAINERD.socket}`,
          INPUT_SERVICEURL: receiver.url,
        }),
        60_000,
        node10,
      );
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      const report = receiver.received[0]?.body as Report;
      assert.ok(validateReport(report), ajv.errorsText(validateReport.errors));
      const [image] = report.images.filter((i) => i.repository === repository);
      assert.equal(image?.digest, await registryDigest(REGISTRY, repository, '1'));
      const index = await registryManifest(REGISTRY, repository, '1');
      const expected = (index.manifests ?? [])
        .filter((m) => m.platform && m.platform.os !== 'unknown')
        .map((m) => `${m.platform?.os}/${m.platform?.architecture} ${m.digest}`)
        .sort();
      assert.equal(expected.length, 2, JSON.stringify(index));
      assert.deepEqual(image?.platforms?.map((p) => `${p.os}/${p.architecture} ${p.digest}`).sort(), expected);
      for (const p of image?.platforms ?? []) assert.match(p.provenanceDigest ?? '', /^sha256:/);
    });
  });
});
