/**
 * The packaged task, run as the agent runs it, on the engines of today's and tomorrow's agents
 * (issue 12): Debian 12's Docker 20.10 and Debian unstable's newer Docker with the containerd image
 * store and with the classic one (`scripts/services.sh start` starts them; test/support/engines.ts).
 * Every reported digest is compared with the registry's `Docker-Content-Digest`.
 */
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ReportSchema, type Report } from '../../common/report';
import { imagesFromMetadata } from '../../collector/buildx';
import { REGISTRY, SECOND_REGISTRY, requireRegistry } from '../support/services';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { registryDigest, uniqueRepository } from '../support/docker';
import {
  DEBIAN_DOCKER,
  NEWER_DOCKER_CLASSIC,
  NEWER_DOCKER_CONTAINERD,
  NEWER_DOCKERS,
  PrivateEngine,
  engineCli,
  engineVersion,
  registryManifest,
  requireEngine,
  type TestEngine,
} from '../support/engines';
import { ApiVersionGate } from '../support/apiVersionGate';
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

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateReport = ajv.compile(ReportSchema);

function onlyReport(receiver: ReportReceiver, run: TaskRun): Report {
  assert.equal(
    receiver.received.length,
    1,
    `expected one POST, got ${receiver.received.length}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
  );
  const body = receiver.received[0]?.body;
  assert.ok(validateReport(body), `report does not match the schema: ${ajv.errorsText(validateReport.errors)}`);
  return body as Report;
}

function assertSucceeded(run: TaskRun): void {
  assert.equal(run.code, 0, `exit code ${run.code}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stdout, /##vso\[task\.complete result=(Failed|Cancelled)/);
  assert.doesNotMatch(run.stdout, /stopped early/);
}

/** A `FROM scratch` build context holding one file with `content`. */
async function scratchContext(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-engine-image-'));
  await writeFile(join(dir, 'content.txt'), content);
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
  return dir;
}

/** Builds a `FROM scratch` image with `engine`'s own CLI (the legacy builder on 20.10, buildx's docker driver on the newer engine). */
async function buildOn(engine: TestEngine, tag: string, content: string, extra: string[] = []): Promise<void> {
  const dir = await scratchContext(content);
  try {
    const env = engine === DEBIAN_DOCKER ? { DOCKER_BUILDKIT: '0' } : {};
    await engineCli(engine, ['build', '--quiet', ...extra, '--tag', tag, dir], env);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('The injected task on newer engines and image stores', function () {
  this.timeout(180_000);
  let dir: string;
  let devops: AzureDevOpsStandIn;
  let receiver: ReportReceiver;
  let job: SimulatedJob;

  before(async function () {
    await requireRegistry(REGISTRY);
    await requireRegistry(SECOND_REGISTRY);
    for (const engine of [DEBIAN_DOCKER, ...NEWER_DOCKERS]) await requireEngine(engine);
    // The versions this run was tested on, for its log: the tests assert behaviour, not versions.
    for (const engine of [DEBIAN_DOCKER, ...NEWER_DOCKERS]) {
      const v = await engineVersion(engine);
      console.log(`      ${engine.label}: Docker ${v.Version}, API ${v.ApiVersion} (minimum ${v.MinAPIVersion})`);
    }
    dir = await taskDirectory();
  });

  beforeEach(async function () {
    ({ devops, receiver, job } = await startTaskRig());
  });

  afterEach(async function () {
    await closeTaskRig({ devops, receiver, job });
  });

  async function startJob(): Promise<number> {
    const pipelineStart = await nextWholeSecond();
    devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
    return pipelineStart;
  }

  /** The run reported no image and the `engine-restarted` warning, and said so in its log. */
  function assertRestartReported(run: TaskRun): void {
    assertSucceeded(run);
    const report = onlyReport(receiver, run);
    assert.deepEqual(report.images, []);
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['engine-restarted'],
    );
    assert.match(run.stdout, /Note: The Docker engine started at .*, after the job started/);
  }

  function runOn(socket: string, pipelineStart: number): Promise<TaskRun> {
    return runTask(dir, agentEnvironment(job, pipelineStart, { INPUT_DOCKERHOST: `unix://${socket}`, INPUT_SERVICEURL: receiver.url }));
  }

  for (const engine of NEWER_DOCKERS) {
    it(`reports a docker push on the ${engine.store} store with the registry's digest, and no local name that was not pushed`, async function () {
      const repo = uniqueRepository(`push-${engine.store}`);
      const other = uniqueRepository(`never-pushed-${engine.store}`);
      const pipelineStart = await startJob();
      const pushed = `${REGISTRY}/${repo}:1`;
      await buildOn(engine, pushed, `push ${randomUUID()}`);
      // A second name for the same image, in another registry, never pushed: the containerd store lists it in RepoDigests.
      await engineCli(engine, ['tag', pushed, `${SECOND_REGISTRY}/${other}:1`]);
      await engineCli(engine, ['push', '--quiet', pushed]);

      const run = await runOn(engine.socket, pipelineStart);
      assertSucceeded(run);
      const report = onlyReport(receiver, run);
      const mine = report.images.filter((i) => i.repository === repo || i.repository === other);
      assert.deepEqual(
        mine.map((i) => `${i.registry}/${i.repository}:${i.tag}`),
        [pushed],
      );
      const registry = await registryManifest(REGISTRY, repo, '1');
      assert.equal(mine[0]?.digest, registry.digest);
      if (registry.manifests) {
        // An index (the containerd store pushes one): its platform manifests, attestations left out.
        const platforms = registry.manifests.filter((m) => m.platform?.os !== 'unknown');
        assert.deepEqual(
          mine[0]?.platforms?.map((p) => [p.digest, `${p.os}/${p.architecture}`]),
          platforms.map((m) => [m.digest, `${m.platform?.os}/${m.platform?.architecture}`]),
        );
      } else {
        assert.equal(mine[0]?.platforms, undefined);
      }
      assert.equal(report.collector.dockerApiVersion, (await engineVersion(engine)).ApiVersion);
      await engineCli(engine, ['image', 'rm', '--force', pushed, `${SECOND_REGISTRY}/${other}:1`]).catch(() => undefined);
    });
  }

  it('reports the single platform manifest the containerd store pushed when the rest of the index is missing, naming the index', async function () {
    const engine = NEWER_DOCKER_CONTAINERD;
    const source = uniqueRepository('fallback-source');
    const repo = uniqueRepository('fallback');
    // Before the job: a two-platform index in the registry, pulled back for one platform only.
    const dir2 = await scratchContext(`fallback ${randomUUID()}`);
    try {
      await engineCli(engine, [
        'buildx',
        'build',
        '--quiet',
        '--platform',
        'linux/amd64,linux/arm64',
        '--push',
        '--tag',
        `${REGISTRY}/${source}:1`,
        dir2,
      ]);
    } finally {
      await rm(dir2, { recursive: true, force: true });
    }
    const index = await registryManifest(REGISTRY, source, '1');
    // The build left both platforms' content in the engine's store: drop it, so that the pull below brings amd64 alone.
    await engineCli(engine, ['image', 'rm', '--force', `${REGISTRY}/${source}:1`]).catch(() => undefined);
    await engineCli(engine, ['buildx', 'prune', '--all', '--force']);
    await engineCli(engine, ['pull', '--quiet', '--platform', 'linux/amd64', `${REGISTRY}/${source}:1`]);
    const pipelineStart = await startJob();
    await engineCli(engine, ['tag', `${REGISTRY}/${source}:1`, `${REGISTRY}/${repo}:1`]);
    await engineCli(engine, ['push', '--quiet', `${REGISTRY}/${repo}:1`]);

    const run = await runOn(engine.socket, pipelineStart);
    assertSucceeded(run);
    const mine = onlyReport(receiver, run).images.filter((i) => i.repository === repo);
    const registry = await registryManifest(REGISTRY, repo, '1');
    assert.notEqual(registry.digest, index.digest, 'the engine pushed a single platform manifest, not the index');
    assert.deepEqual(
      mine.map((i) => [i.digest, i.indexDigest, i.imageId, i.architecture]),
      [[registry.digest, index.digest, index.digest, 'amd64']],
    );
    await engineCli(engine, ['image', 'rm', '--force', `${REGISTRY}/${source}:1`, `${REGISTRY}/${repo}:1`]).catch(() => undefined);
  });

  it('reports a two-platform FROM scratch image pushed as an index with its index digest and both platform manifest digests', async function () {
    const engine = NEWER_DOCKER_CONTAINERD;
    const repo = uniqueRepository('multi-platform');
    const pushed = `${REGISTRY}/${repo}:1`;
    const pipelineStart = await startJob();
    // No RUN step, so no emulation is needed; the containerd store keeps both platforms, and docker push sends the index.
    await buildOn(engine, pushed, `multi ${randomUUID()}`, ['--platform', 'linux/amd64,linux/arm64']);
    await engineCli(engine, ['push', '--quiet', pushed]);

    const run = await runOn(engine.socket, pipelineStart);
    assertSucceeded(run);
    const mine = onlyReport(receiver, run).images.filter((i) => i.repository === repo);
    const registry = await registryManifest(REGISTRY, repo, '1');
    assert.match(registry.mediaType, /index|manifest\.list/);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.digest, registry.digest);
    const expected = (registry.manifests ?? [])
      .filter((m) => m.platform?.os !== 'unknown')
      .map((m) => [m.digest, `${m.platform?.os}/${m.platform?.architecture}`])
      .sort();
    assert.deepEqual(expected.map((e) => e[1]).sort(), ['linux/amd64', 'linux/arm64']);
    assert.deepEqual((mine[0]?.platforms ?? []).map((p) => [p.digest, `${p.os}/${p.architecture}`]).sort(), expected);
    // Each platform manifest is one the registry serves in that repository.
    for (const [digest] of expected) assert.equal(await registryDigest(REGISTRY, repo, digest ?? ''), digest);
    await engineCli(engine, ['image', 'rm', '--force', pushed]).catch(() => undefined);
  });

  it('reports the one platform manifest that docker push --platform sent from a two-platform index, naming the index', async function () {
    const engine = NEWER_DOCKER_CONTAINERD;
    const repo = uniqueRepository('push-platform');
    const pushed = `${REGISTRY}/${repo}:1`;
    const pipelineStart = await startJob();
    await buildOn(engine, pushed, `push-platform ${randomUUID()}`, ['--platform', 'linux/amd64,linux/arm64']);
    const local = JSON.parse(await engineCli(engine, ['image', 'inspect', '--format', '{{json .Id}}', pushed])) as string;
    // Every platform is on the engine, so only --platform keeps the index from being pushed (Docker 28+).
    await engineCli(engine, ['push', '--quiet', '--platform', 'linux/arm64', pushed]);

    const run = await runOn(engine.socket, pipelineStart);
    assertSucceeded(run);
    const report = onlyReport(receiver, run);
    const mine = report.images.filter((i) => i.repository === repo);
    const registry = await registryManifest(REGISTRY, repo, '1');
    assert.equal(registry.manifests, undefined, 'the registry got one platform manifest, not an index');
    assert.notEqual(registry.digest, local);
    assert.deepEqual(
      mine.map((i) => [i.digest, i.indexDigest, i.imageId, `${i.os}/${i.architecture}`, i.platforms]),
      [[registry.digest, local, local, 'linux/arm64', undefined]],
    );
    assert.deepEqual(
      report.warnings.filter((w) => w.message.includes(repo)),
      [],
    );
    await engineCli(engine, ['image', 'rm', '--force', pushed]).catch(() => undefined);
  });

  for (const engine of NEWER_DOCKERS) {
    it(`reports every target of a buildx bake --metadata-file on the ${engine.store} store, each name once, with the registry's digests`, async function () {
      const one = uniqueRepository(`bake-one-${engine.store}`);
      const two = uniqueRepository(`bake-two-${engine.store}`);
      const context = await scratchContext(`bake ${randomUUID()}`);
      // A second target with other content, so the two targets' digests differ.
      await writeFile(join(context, 'Dockerfile.two'), 'FROM scratch\nCOPY content.txt /two.txt\n');
      // Multi-platform needs the containerd store with the docker driver ("Multi-platform build is not supported for the docker driver" on the classic one).
      const platforms = engine.store === 'containerd' ? 'platforms = ["linux/amd64", "linux/arm64"]' : '';
      await writeFile(
        join(context, 'docker-bake.hcl'),
        [
          'group "default" { targets = ["one", "two"] }',
          `target "one" {\n  context = "${context}"\n  tags = ["${REGISTRY}/${one}:1", "${SECOND_REGISTRY}/${one}:1"]\n}`,
          `target "two" {\n  context = "${context}"\n  dockerfile = "Dockerfile.two"\n  ${platforms}\n  tags = ["${REGISTRY}/${two}:1"]\n}`,
        ].join('\n'),
      );
      const metadataFolder = join(job.tempDirectory, 'container-mapping');
      await mkdir(metadataFolder, { recursive: true });
      const metadataFile = join(metadataFolder, 'bake.json');
      try {
        const pipelineStart = await startJob();
        await engineCli(engine, [
          'buildx',
          'bake',
          `--allow=fs.read=${context}`,
          '--file',
          join(context, 'docker-bake.hcl'),
          '--push',
          '--metadata-file',
          metadataFile,
        ]);
        // bake's layout: one object per target.
        const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, { 'image.name'?: string }>;
        assert.deepEqual(Object.keys(metadata).sort(), ['one', 'two']);
        // The file alone (what a docker-container builder leaves, whose pushes the engine never sees) names every pushed tag with the registry's digest.
        const fromFile = imagesFromMetadata([{ name: 'bake.json', text: await readFile(metadataFile, 'utf8'), modifiedMs: Date.now() }]);
        assert.deepEqual(fromFile.warnings, []);
        assert.deepEqual(
          await Promise.all(
            fromFile.images.map(async (i) => [
              `${i.registry}/${i.repository}:${i.tag}`,
              i.digest === (await registryManifest(i.registry, i.repository, '1')).digest,
            ]),
          ),
          [
            [`${REGISTRY}/${one}:1`, true],
            [`${SECOND_REGISTRY}/${one}:1`, true],
            [`${REGISTRY}/${two}:1`, true],
          ],
        );

        const run = await runOn(engine.socket, pipelineStart);
        assertSucceeded(run);
        const report = onlyReport(receiver, run);
        const mine = report.images.filter((i) => i.repository === one || i.repository === two);
        assert.deepEqual(mine.map((i) => `${i.registry}/${i.repository}:${i.tag}`).sort(), [
          `${REGISTRY}/${one}:1`,
          `${REGISTRY}/${two}:1`,
          `${SECOND_REGISTRY}/${one}:1`,
        ]);
        for (const image of mine) {
          const registry = await registryManifest(image.registry, image.repository, '1');
          assert.equal(image.digest, registry.digest, `${image.registry}/${image.repository}:1 (${image.origin})`);
          if (registry.manifests) {
            // An index: its platform manifests as the registry lists them, attestations left out.
            const expected = registry.manifests.filter((m) => m.platform?.os !== 'unknown').map((m) => m.digest);
            assert.deepEqual((image.platforms ?? []).map((p) => p.digest).sort(), expected.sort());
          }
        }
        if (engine.store === 'containerd') {
          const twoImage = mine.find((i) => i.repository === two);
          assert.deepEqual(twoImage?.platforms?.map((p) => p.architecture).sort(), ['amd64', 'arm64']);
        }
        assert.deepEqual(
          report.warnings.filter((w) => w.message.includes(one) || w.message.includes(two)),
          [],
        );
      } finally {
        await rm(context, { recursive: true, force: true });
        await engineCli(engine, [
          'image',
          'rm',
          '--force',
          `${REGISTRY}/${one}:1`,
          `${SECOND_REGISTRY}/${one}:1`,
          `${REGISTRY}/${two}:1`,
        ]).catch(() => undefined);
      }
    });
  }

  for (const engine of [DEBIAN_DOCKER, NEWER_DOCKER_CONTAINERD]) {
    const engineApi = engine === DEBIAN_DOCKER ? '1.41' : 'its own';
    it(`asks ${engine.label} with a version it accepts (${engineApi}), never above its own`, async function () {
      const { ApiVersion } = await engineVersion(engine);
      const gate = await ApiVersionGate.start(engine.socket);
      try {
        const repo = uniqueRepository('versions');
        const pipelineStart = await startJob();
        const pushed = `${REGISTRY}/${repo}:1`;
        await buildOn(engine, pushed, `versions ${randomUUID()}`);
        await engineCli(engine, ['push', '--quiet', pushed]);

        const run = await runOn(gate.socket, pipelineStart);
        assertSucceeded(run);
        const mine = onlyReport(receiver, run).images.filter((i) => i.repository === repo);
        assert.equal(mine[0]?.digest, await registryDigest(REGISTRY, repo, '1'));
        const versions = new Set(gate.versionedPaths().map(([v]) => v));
        const expected = Number(ApiVersion.split('.')[1]) > 51 ? '1.51' : ApiVersion;
        assert.deepEqual([...versions], [expected], `paths asked: ${gate.paths.join(', ')}`);
        await engineCli(engine, ['image', 'rm', '--force', pushed]).catch(() => undefined);
      } finally {
        await gate.close();
      }
    });

    it(`still reports the push through ${engine.label} behind a gate that refuses API versions below 1.44, as Docker 29.0–29.2 do`, async function () {
      // The engine announces 1.52 (Docker 29.0) and refuses 1.41 as Docker 29.0–29.2 do.
      const gate = await ApiVersionGate.start(engine.socket, { minimum: '1.44', advertise: '1.52' });
      try {
        const repo = uniqueRepository('refusing');
        const pipelineStart = await startJob();
        const pushed = `${REGISTRY}/${repo}:1`;
        await buildOn(engine, pushed, `refusing ${randomUUID()}`);
        await engineCli(engine, ['push', '--quiet', pushed]);

        const run = await runOn(gate.socket, pipelineStart);
        assertSucceeded(run);
        const report = onlyReport(receiver, run);
        const mine = report.images.filter((i) => i.repository === repo);
        assert.equal(mine[0]?.digest, await registryDigest(REGISTRY, repo, '1'));
        assert.equal(report.collector.dockerApiVersion, '1.52');
        assert.deepEqual(gate.refused, [], 'the task asked a version the engine refuses');
        await engineCli(engine, ['image', 'rm', '--force', pushed]).catch(() => undefined);
      } finally {
        await gate.close();
      }
    });
  }

  it('warns in the report that pushes may be missing when the engine restarted during the job', async function () {
    const engine = await PrivateEngine.create();
    try {
      await engine.start();
      const pipelineStart = await startJob();
      // Nothing happened since the job started: the engine that was there all along has nothing to say.
      const quiet = await runOn(engine.socket, pipelineStart);
      assertSucceeded(quiet);
      assert.match(quiet.stdout, /Nothing to report: no image was pushed in this job/);
      assert.equal(receiver.received.length, 0);

      // Restarted: its events from before are gone, and the report says so.
      await engine.stop();
      await engine.start();
      assertRestartReported(await runOn(engine.socket, pipelineStart));
    } finally {
      await engine.destroy();
    }
  });

  it("sees a restart behind a socket that outlives the daemon (systemd's docker.socket) by the docker.pid beside it", async function () {
    const engine = await PrivateEngine.create();
    try {
      await engine.start();
      const socketBefore = statSync(engine.socket);
      const pipelineStart = await startJob();
      await engine.stop();
      await engine.start();
      // systemd creates docker.socket once and hands it to each dockerd it starts (-H fd://): the
      // socket keeps its first time. This engine re-created its own, so its time is set back to
      // the one it had before the job; the pid file dockerd wrote at this start is left as it is.
      utimesSync(engine.socket, socketBefore.atime, socketBefore.mtime);
      assert.ok(statSync(engine.socket).mtimeMs < pipelineStart);
      assert.ok(statSync(join(engine.directory, 'docker.pid')).mtimeMs > pipelineStart);
      assertRestartReported(await runOn(engine.socket, pipelineStart));
    } finally {
      await engine.destroy();
    }
  });

  it('runs the newer engine on both image stores', async function () {
    // Guards the rig itself: a store that silently fell back would make the scenarios above prove less.
    const info = async (engine: TestEngine) =>
      JSON.parse(await engineCli(engine, ['info', '--format', '{{json .DriverStatus}}'])) as string[][];
    assert.ok((await info(NEWER_DOCKER_CONTAINERD)).some(([k, v]) => k === 'driver-type' && v === 'io.containerd.snapshotter.v1'));
    assert.ok(!(await info(NEWER_DOCKER_CLASSIC)).some(([k]) => k === 'driver-type'));
  });
});
