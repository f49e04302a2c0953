/**
 * The packaged task against a registry that requires a Basic login (Distribution 2.8's htpasswd,
 * test/support/basicAuthRegistry.ts): where the engine cannot tell the pushed digest (a Podman push,
 * a promotion), the task asks the registry with the login the agent's `docker login` stored in
 * `$DOCKER_CONFIG/config.json`, read-only, and never prints it; a refused login gives the warning
 * naming the image. Every digest is compared with the registry's `Docker-Content-Digest`.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Report } from '../../common/report';
import { DOCKER_SOCKET, requireDocker } from '../support/services';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { BasicAuthRegistry } from '../support/basicAuthRegistry';
import { docker, removeImages, tagImage, uniqueRepository } from '../support/docker';
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

const USER = 'pipeline';
const PASSWORD = `pw-${randomUUID()}`;

function assertSucceeded(run: TaskRun): void {
  assert.equal(run.code, 0, `exit code ${run.code}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stdout, /##vso\[task\.complete result=(Failed|Cancelled)/);
}

function onlyReport(receiver: ReportReceiver, run: TaskRun): Report {
  assert.equal(receiver.received.length, 1, `expected one report; the task said:\n${run.stdout}\n${run.stderr}`);
  return receiver.received[0]?.body as Report;
}

/** The password, alone or inside the Basic credential, appears nowhere the task wrote. */
function assertNoSecret(run: TaskRun, ...passwords: string[]): void {
  const written = `${run.stdout}\n${run.stderr}`;
  for (const password of passwords) {
    assert.ok(!written.includes(password), 'the task printed the password');
    assert.ok(!written.includes(Buffer.from(`${USER}:${password}`).toString('base64')), 'the task printed the Basic credential');
  }
}

/** Builds a `FROM scratch` image with Podman, tagged `reference`. */
async function podmanBuild(reference: string, content: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-podman-image-'));
  try {
    await writeFile(join(dir, 'content.txt'), content);
    await writeFile(join(dir, 'Containerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
    await podman(['build', '--quiet', '--file', join(dir, 'Containerfile'), '--tag', reference, dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('The injected task against a registry that requires a Basic login', function () {
  this.timeout(120_000);
  let dir: string;
  let registry: BasicAuthRegistry;
  let devops: AzureDevOpsStandIn;
  let receiver: ReportReceiver;
  let job: SimulatedJob;
  /** The agent's Docker configuration folder (DOCKER_CONFIG), with `docker login`'s entry. */
  let dockerConfig: string;
  const dockerImages: string[] = [];
  const podmanImages: string[] = [];

  before(async function () {
    await requireDocker();
    await podmanSocket();
    registry = await BasicAuthRegistry.start(USER, PASSWORD);
    dockerConfig = mkdtempSync(join(tmpdir(), 'cm-agent-docker-config-'));
    // What a pipeline's Docker@2 login or `docker login` step leaves on the agent: an `auths` entry in config.json.
    await docker(['--config', dockerConfig, 'login', '--username', USER, '--password', PASSWORD, registry.host]);
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
    await registry?.stop();
    if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
  });

  async function startJob(): Promise<number> {
    const pipelineStart = await nextWholeSecond();
    devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
    return pipelineStart;
  }

  function env(pipelineStart: number, dockerHost: string, config: string): Record<string, string> {
    return agentEnvironment(job, pipelineStart, { INPUT_DOCKERHOST: dockerHost, INPUT_SERVICEURL: receiver.url, DOCKER_CONFIG: config });
  }

  it("reports a Podman push with the registry's digest, asked with the agent's docker login, read-only and never printed", async function () {
    const socket = await podmanSocket();
    const repository = uniqueRepository('basic-podman');
    const reference = `${registry.host}/${repository}:1`;
    const configFile = join(dockerConfig, 'config.json');
    const before = { text: await readFile(configFile, 'utf8'), modified: (await stat(configFile)).mtimeMs };
    assert.match(before.text, /"auth"/, 'docker login stored the login in config.json (no credential helper)');
    const pipelineStart = await startJob();
    podmanImages.push(reference);
    await podmanBuild(reference, `basic podman ${randomUUID()}`);
    // Podman reads the same auths format: the push uses the login docker stored.
    await podman(['push', '--quiet', '--tls-verify=false', '--authfile', configFile, reference]);

    const run = await runTask(dir, env(pipelineStart, `unix://${socket}`, dockerConfig));
    assertSucceeded(run);
    const report = onlyReport(receiver, run);
    const mine = report.images.filter((i) => i.repository === repository);
    assert.deepEqual(
      mine.map((i) => [i.registry, i.tag, i.digest]),
      [[registry.host, '1', await registry.digest(repository, '1')]],
      run.stdout,
    );
    assert.deepEqual(
      report.warnings.filter((w) => w.message.includes(repository)),
      [],
    );
    assertNoSecret(run, PASSWORD);
    assert.ok(!JSON.stringify(report).includes(PASSWORD), 'the report holds the password');
    assert.deepEqual(
      { text: await readFile(configFile, 'utf8'), modified: (await stat(configFile)).mtimeMs },
      before,
      'config.json was written',
    );
  });

  it('reports the digest the registry holds for a promoted tag, asked with the login, when the image holds two digests there', async function () {
    const repository = uniqueRepository('basic-promotion');
    const name = `${registry.host}/${repository}`;
    const configFile = join(dockerConfig, 'config.json');
    // The release candidate pushed by another tool (Podman writes an OCI manifest); Docker pulls, re-tags and pushes its own.
    podmanImages.push(`${name}:rc`);
    dockerImages.push(`${name}:rc`, `${name}:1.0`);
    await podmanBuild(`${name}:rc`, `basic promotion ${randomUUID()}`);
    await podman(['push', '--quiet', '--tls-verify=false', '--authfile', configFile, `${name}:rc`]);
    const pipelineStart = await startJob();
    await docker(['--config', dockerConfig, 'pull', '--quiet', `${name}:rc`]);
    await tagImage(`${name}:rc`, `${name}:1.0`);
    await docker(['--config', dockerConfig, 'push', '--quiet', `${name}:1.0`]);
    const repoDigests = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${name}:1.0`])) as string[];
    assert.equal(repoDigests.length, 2, `the scenario needs two digests in the repository: ${repoDigests.join(', ')}`);

    const run = await runTask(dir, env(pipelineStart, `unix://${DOCKER_SOCKET}`, dockerConfig));
    assertSucceeded(run);
    const report = onlyReport(receiver, run);
    const mine = report.images.filter((i) => i.repository === repository);
    assert.deepEqual(
      mine.map((i) => [i.tag, i.digest]),
      [['1.0', await registry.digest(repository, '1.0')]],
      run.stdout,
    );
    assert.deepEqual(
      report.warnings.filter((w) => w.message.includes(repository)),
      [],
    );
    assertNoSecret(run, PASSWORD);
  });

  it('warns, naming the image, when the registry refuses the stored login, and prints neither password', async function () {
    const socket = await podmanSocket();
    const repository = uniqueRepository('basic-refused');
    const reference = `${registry.host}/${repository}:1`;
    const wrong = `wrong-${randomUUID()}`;
    // An agent whose stored login is out of date (a rotated password): the push itself used the right one.
    const staleConfig = mkdtempSync(join(tmpdir(), 'cm-agent-docker-config-'));
    try {
      await writeFile(
        join(staleConfig, 'config.json'),
        JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${wrong}`).toString('base64') } } }),
      );
      const pipelineStart = await startJob();
      podmanImages.push(reference);
      await podmanBuild(reference, `basic refused ${randomUUID()}`);
      await podman(['push', '--quiet', '--tls-verify=false', '--authfile', join(dockerConfig, 'config.json'), reference]);

      const run = await runTask(dir, env(pipelineStart, `unix://${socket}`, staleConfig));
      assertSucceeded(run);
      const report = onlyReport(receiver, run);
      assert.deepEqual(
        report.images.filter((i) => i.repository === repository),
        [],
      );
      const mine = report.warnings.filter((w) => w.message.includes(repository));
      assert.deepEqual(
        mine.map((w) => w.code),
        ['digest-not-established'],
      );
      assert.ok(mine[0]?.message.startsWith(reference), mine[0]?.message);
      assert.match(mine[0]?.message ?? '', /refused the stored login \(401\)/);
      assertNoSecret(run, PASSWORD, wrong);
    } finally {
      rmSync(staleConfig, { recursive: true, force: true });
    }
  });
});
