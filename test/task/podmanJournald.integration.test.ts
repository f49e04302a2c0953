/**
 * The packaged task on Podman whose events go to journald (`events_logger = "journald"` in
 * containers.conf, Podman's default where systemd is PID 1), the backend agents with systemd use;
 * the other Podman tests run the `file` backend, the default here. scripts/services.sh starts
 * journald and a Podman service with that containers.conf (test/support/engines.ts: PODMAN_JOURNALD).
 * The digest is compared with the registry's `Docker-Content-Digest`.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Report } from '../../common/report';
import { REGISTRY, requireRegistry } from '../support/services';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { registryDigest, uniqueRepository } from '../support/docker';
import { PODMAN_JOURNALD, PODMAN_JOURNALD_CONF, requireEngine } from '../support/engines';
import { ReportReceiver } from './receiver';
import { agentEnvironment, nextWholeSecond, newJob, runTask, taskDirectory } from './runTask';

/** The podman CLI with the journald containers.conf: the process that pushes writes the event. */
function podman(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { env: { ...process.env, CONTAINERS_CONF: PODMAN_JOURNALD_CONF } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`podman ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

describe('The injected task on Podman with the journald events backend', function () {
  this.timeout(120_000);
  const images: string[] = [];

  before(async function () {
    await requireRegistry(REGISTRY);
    await requireEngine(PODMAN_JOURNALD);
    assert.equal((await podman(['info', '--format', '{{.Host.EventLogger}}'])).trim(), 'journald');
    // Without journald, Podman 4.3 loses every event ("Unable to write image event: … connection refused").
    assert.ok(existsSync('/run/systemd/journal/socket'), 'this test needs journald running: run scripts/services.sh start (as root)');
  });

  after(async function () {
    if (images.length > 0) await podman(['image', 'rm', '--force', ...images]).catch(() => undefined);
  });

  it("reports a Podman push whose event went to journald, with the registry's digest", async function () {
    const devops = await AzureDevOpsStandIn.start();
    const receiver = await ReportReceiver.start();
    const job = newJob(devops.url);
    const context = await mkdtemp(join(tmpdir(), 'cm-podman-journald-'));
    try {
      const dir = await taskDirectory();
      const repository = uniqueRepository('podman-journald');
      const reference = `${REGISTRY}/${repository}:1`;
      const pipelineStart = await nextWholeSecond();
      devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(pipelineStart).toISOString() }]);
      await writeFile(join(context, 'content.txt'), `journald ${randomUUID()}`);
      await writeFile(join(context, 'Containerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
      images.push(reference);
      const imageId = `sha256:${(await podman(['build', '--quiet', '--file', join(context, 'Containerfile'), '--tag', reference, context])).trim().split('\n').pop() ?? ''}`;
      await podman(['push', '--quiet', '--tls-verify=false', reference]);

      const run = await runTask(
        dir,
        agentEnvironment(job, pipelineStart, { INPUT_DOCKERHOST: `unix://${PODMAN_JOURNALD.socket}`, INPUT_SERVICEURL: receiver.url }),
      );
      assert.equal(run.code, 0, run.stdout);
      assert.equal(
        receiver.received.length,
        1,
        `expected one report (no push seen? is journald receiving Podman's events?):\n${run.stdout}`,
      );
      const report = receiver.received[0]?.body as Report;
      const mine = report.images.filter((i) => i.repository === repository);
      assert.deepEqual(
        mine.map((i) => [i.registry, i.tag, i.imageId, i.digest]),
        [[REGISTRY, '1', imageId, await registryDigest(REGISTRY, repository, '1')]],
        run.stdout,
      );
      assert.deepEqual(report.warnings, [], run.stdout);
    } finally {
      await devops.close();
      await receiver.close();
      rmSync(job.tempDirectory, { recursive: true, force: true });
      await rm(context, { recursive: true, force: true });
    }
  });
});
