/**
 * "No personal data is sent" (README), checked where it could go wrong: the bundled task, run
 * as the agent runs it, in a job whose environment holds every personal variable the agent
 * sets, with distinctive values, and System.Debug on (task-lib's debug lines are part of the
 * step's log).
 */
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DOCKER_SOCKET, REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { buildScratchImage, pushImage, removeImages, uniqueRepository } from '../support/docker';
import { ReportReceiver } from './receiver';
import { agentEnvironment, nextWholeSecond, newJob, runTask, taskDirectory, type SimulatedJob, type TaskRun } from './runTask';
import { leakedIn, personalData, type PersonalData } from './personalData';

describe('The injected task keeps personal data out of what it sends and prints', function () {
  let dir: string;
  let devops: AzureDevOpsStandIn;
  let receiver: ReportReceiver;
  let job: SimulatedJob;
  let personal: PersonalData;
  const images: string[] = [];

  before(async function () {
    await requireDocker();
    await requireRegistry(REGISTRY);
    dir = await taskDirectory();
  });

  beforeEach(async function () {
    devops = await AzureDevOpsStandIn.start();
    receiver = await ReportReceiver.start();
    job = newJob(devops.url);
    personal = personalData();
  });

  afterEach(async function () {
    await devops.close();
    await receiver.close();
    rmSync(job.tempDirectory, { recursive: true, force: true });
  });

  after(async function () {
    await removeImages(images);
  });

  /** A job that pushed one image, with every personal variable set; returns the task's run. */
  async function runJobThatPushed(serviceUrl: string): Promise<{ run: TaskRun; repository: string }> {
    const pipelineStart = await nextWholeSecond();
    devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(Date.now()).toISOString() }]);
    const repository = uniqueRepository('personal');
    const reference = `${REGISTRY}/${repository}:1`;
    images.push(reference);
    await buildScratchImage(reference, `personal ${randomUUID()}`);
    await pushImage(reference);
    const env = agentEnvironment(job, pipelineStart, {
      ...personal.env,
      SYSTEM_DEBUG: 'true',
      INPUT_DOCKERHOST: `unix://${DOCKER_SOCKET}`,
      INPUT_SERVICEURL: serviceUrl,
    });
    return { run: await runTask(dir, env), repository };
  }

  function assertNoneIn(text: string, where: string): void {
    assert.deepEqual(leakedIn(text, personal), [], `personal data in ${where}:\n${text}`);
  }

  it('sends a report, and prints a log, holding none of the requester, queuer, author or release identities of the job', async function () {
    const { run, repository } = await runJobThatPushed(receiver.url);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // The run really reported the push, so there was a report to leak into.
    assert.equal(receiver.received.length, 1, run.stdout);
    const sent = receiver.received[0];
    const body = JSON.stringify(sent?.body);
    assert.ok(body.includes(repository), 'the report names the pushed image');
    assert.match(run.stdout, /##vso\[task\.debug\]/, 'System.Debug was on: the debug log is part of what is checked');

    assertNoneIn(body, 'the report sent to the service');
    assertNoneIn(
      JSON.stringify({ path: sent?.path, authorization: sent?.authorization, contentType: sent?.contentType }),
      'the request to the service',
    );
    assertNoneIn(run.stdout, "the step's log (stdout)");
    assertNoneIn(run.stderr, "the step's log (stderr)");
  });

  it('attaches a report to the run, when the service is down, holding none of them either', async function () {
    const closed = await ReportReceiver.start();
    const downUrl = closed.url;
    await closed.close();
    const { run, repository } = await runJobThatPushed(downUrl);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const path = /##vso\[task\.addattachment [^\]]*\](.+)/.exec(run.stdout)?.[1]?.trim();
    assert.ok(path, `no attachment command in:\n${run.stdout}`);
    const attached = readFileSync(path, 'utf8');
    assert.ok(attached.includes(repository), 'the attached report names the pushed image');

    assertNoneIn(attached, 'the attached report');
    assertNoneIn(run.stdout, "the step's log (stdout)");
    assertNoneIn(run.stderr, "the step's log (stderr)");
  });
});
