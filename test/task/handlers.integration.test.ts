/**
 * The packaged task (extracted from the .vsix) under the Node.js of every execution handler its
 * task.json declares, as the agent runs it: `Node10` on agents 2.144.0 and later, `Node16` from
 * 2.206.1, `Node20_1` and `Node24` on current agents (microsoft/azure-pipelines-task-lib,
 * node/docs/minagent.md). The binaries are the agent's own versions
 * (scripts/agent-node-versions.txt), installed from the npm registry by scripts/services.sh.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../common/report';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { buildScratchImage, pushImage, registryDigest, removeImages, uniqueRepository } from '../support/docker';
import { DOCKER_SOCKET, REGISTRY, agentNodeVersions, requireAgentNode, requireDocker, requireRegistry } from '../support/services';
import { ReportReceiver } from './receiver';
import { agentEnvironment, newJob, nextWholeSecond, runTask, taskDirectory, type TaskRun } from './runTask';

/** Exit 0, no Failed result, no error issue, nothing on stderr. */
function assertCleanSuccess(run: TaskRun): void {
  assert.equal(run.code, 0, `exit code ${run.code}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stdout, /##vso\[task\.complete result=(Failed|Cancelled)/);
  assert.doesNotMatch(run.stdout, /##vso\[task\.issue type=error/);
  assert.equal(run.stderr, '', 'nothing on stderr');
}

describe("The packaged task under each execution handler's Node.js", function () {
  let dir: string;
  let handlers: string[] = [];

  before(async function () {
    dir = await taskDirectory();
    const task = JSON.parse(readFileSync(join(dir, 'task.json'), 'utf8')) as { execution: Record<string, unknown> };
    handlers = Object.keys(task.execution);
  });

  it('declares exactly the handlers whose Node.js versions the tests install, and no minimumAgentVersion', function () {
    assert.deepEqual([...handlers].sort(), [...agentNodeVersions().keys()].sort());
    const task = JSON.parse(readFileSync(join(dir, 'task.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(task.minimumAgentVersion, undefined);
  });

  for (const handler of [...agentNodeVersions().keys()]) {
    describe(`${handler} (Node.js ${agentNodeVersions().get(handler) ?? '?'})`, function () {
      let node: string;
      let devops: AzureDevOpsStandIn;
      let receiver: ReportReceiver | undefined;
      const images: string[] = [];
      const folders: string[] = [];

      before(async function () {
        node = requireAgentNode(handler);
        await requireDocker();
        await requireRegistry(REGISTRY);
        devops = await AzureDevOpsStandIn.start();
      });

      afterEach(async function () {
        await receiver?.close();
        receiver = undefined;
      });

      after(async function () {
        await devops?.close();
        await removeImages(images);
        for (const folder of folders) rmSync(folder, { recursive: true, force: true });
      });

      it('ends in one line, without loading task-lib, when no Docker engine answers', async function () {
        const job = newJob(devops.url);
        folders.push(job.tempDirectory);
        const socket = join(tmpdir(), `no-docker-${randomUUID()}.sock`);
        const run = await runTask(
          dir,
          agentEnvironment(job, Date.now() - 5000, { INPUT_DOCKERHOST: `unix://${socket}`, INPUT_SERVICEURL: 'http://127.0.0.1:9' }),
          60000,
          node,
        );
        assertCleanSuccess(run);
        assert.match(run.stdout, /Nothing to report: no Docker engine at unix:\/\/.* answered \(ENOENT\)/);
        assert.doesNotMatch(run.stdout, /##vso\[task\.debug\]/, 'task-lib was loaded');
      });

      it("reports a push with the registry's digest (timeline, OIDC token, image inspect, POST), falls back to the static token on a 401, and attaches the report when the service is down", async function () {
        const job = newJob(devops.url);
        folders.push(job.tempDirectory);
        const pipelineStart = await nextWholeSecond();
        devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
        const repository = uniqueRepository(`handler-${handler.toLowerCase()}`);
        const reference = `${REGISTRY}/${repository}:1`;
        await buildScratchImage(reference, `${handler} ${randomUUID()}`);
        images.push(reference);
        await pushImage(reference);
        const digest = await registryDigest(REGISTRY, repository, '1');
        const staticToken = `static-${randomUUID()}`;
        const env = (serviceUrl: string) =>
          agentEnvironment(job, pipelineStart, {
            INPUT_DOCKERHOST: `unix://${DOCKER_SOCKET}`,
            INPUT_SERVICEURL: serviceUrl,
            SECRET_CONTAINERMAPPING_TOKEN: staticToken,
          });

        receiver = await ReportReceiver.start([401, 201]);
        const delivered = await runTask(dir, env(receiver.url), 60000, node);
        assertCleanSuccess(delivered);
        assert.deepEqual(
          receiver.received.map((r) => r.authorization),
          [`Bearer ${devops.mintedTokens.at(-1) ?? 'none'}`, `Bearer ${staticToken}`],
        );
        const report = receiver.received[1]?.body as Report;
        assert.deepEqual(
          report.images.filter((i) => i.repository === repository).map((i) => [i.tag, i.digest]),
          [['1', digest]],
        );
        assert.equal(report.window.sinceSource, 'timeline');
        assert.match(delivered.stdout, /accepted the static token \(ContainerMapping\.Token\)/);
        for (const secret of [staticToken, job.accessToken, devops.mintedTokens.at(-1) ?? 'none']) {
          const visible = delivered.stdout
            .split('\n')
            .filter((line) => !line.startsWith('##vso[task.setsecret]'))
            .join('\n');
          assert.ok(!visible.includes(secret), 'a token was printed');
        }

        const closed = await ReportReceiver.start();
        const downUrl = closed.url;
        await closed.close();
        const attached = await runTask(dir, env(downUrl), 60000, node);
        assertCleanSuccess(attached);
        const command = /##vso\[task\.addattachment type=containerMappingReport;name=([^;\]]+);?\](.+)/.exec(attached.stdout);
        assert.ok(command, `no attachment command in:\n${attached.stdout}`);
        const path = command[2]?.trim() ?? '';
        assert.ok(existsSync(path));
        const saved = JSON.parse(readFileSync(path, 'utf8')) as Report;
        assert.equal(saved.idempotencyKey, report.idempotencyKey);
      });
    });
  }
});
