/**
 * Runs the bundled task the way the agent does: `node <task>/index.js` in a fresh process
 * whose environment holds only what the agent sets (inputs, variables, the job's connection).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAndExtractTask } from '../support/vsix';
import { waitFor } from '../support/waitFor';
import { runNode, type NodeRun } from '../support/runNode';
import { randomUUID } from 'node:crypto';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { ReportReceiver } from './receiver';

/**
 * The folder holding the task's `index.js`, extracted from the `.vsix` that `npm run package`
 * builds (one build per test process, shared with every suite that runs the shipped task).
 */
export async function taskDirectory(): Promise<string> {
  return (await buildAndExtractTask()).taskDir;
}

/** The identity of one simulated job. */
export interface SimulatedJob {
  collectionUri: string;
  projectId: string;
  planId: string;
  jobId: string;
  buildId: number;
  accessToken: string;
  tempDirectory: string;
}

/** A fresh job: new ids, a new temp directory, a new job access token. */
export function newJob(collectionUri: string): SimulatedJob {
  return {
    collectionUri,
    projectId: randomUUID(),
    planId: randomUUID(),
    jobId: randomUUID(),
    buildId: 1000 + Math.floor(Math.random() * 100000),
    accessToken: `job-token-${randomUUID()}`,
    tempDirectory: mkdtempSync(join(tmpdir(), 'cm-agent-temp-')),
  };
}

/**
 * The agent's spelling of System.PipelineStartTime: whole seconds, a space, and the offset of
 * the server's local time, e.g. `2020-02-10 13:29:58-05:00` (the value in the agent's own job
 * message fixture, microsoft/azure-pipelines-agent src/Test/L1/Worker/L1TestBase.cs). Written
 * here at UTC-05:00 so that every task test reads a time that is not UTC.
 */
export function agentTime(ms: number, offsetMinutes = -300): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The environment the agent gives the task in a build job. */
export function agentEnvironment(job: SimulatedJob, pipelineStartMs: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    SYSTEM_COLLECTIONURI: job.collectionUri,
    SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: job.collectionUri,
    SYSTEM_TEAMPROJECTID: job.projectId,
    SYSTEM_TEAMPROJECT: 'Fabrikam Fiber',
    SYSTEM_HOSTTYPE: 'build',
    SYSTEM_PLANID: job.planId,
    // The job message's timeline (the plan's, in the agent's fixture) and the step's own record:
    // where the agent files the step's attachments (ExecutionContext.QueueAttachFile).
    SYSTEM_TIMELINEID: job.planId,
    SYSTEM_TASKINSTANCEID: randomUUID(),
    SYSTEM_JOBID: job.jobId,
    SYSTEM_JOBNAME: 'Build',
    SYSTEM_JOBDISPLAYNAME: 'Build image',
    SYSTEM_JOBATTEMPT: '1',
    SYSTEM_STAGENAME: 'Build',
    SYSTEM_STAGEDISPLAYNAME: 'Build',
    SYSTEM_PIPELINESTARTTIME: agentTime(pipelineStartMs),
    SYSTEM_DEFINITIONID: '17',
    BUILD_DEFINITIONNAME: 'web-api CI',
    BUILD_BUILDID: String(job.buildId),
    BUILD_BUILDNUMBER: `20261128.${job.buildId}`,
    BUILD_REASON: 'IndividualCI',
    BUILD_REPOSITORY_PROVIDER: 'TfsGit',
    BUILD_REPOSITORY_URI: 'https://dev.azure.com/contoso/Fabrikam%20Fiber/_git/web-api',
    BUILD_REPOSITORY_NAME: 'web-api',
    BUILD_REPOSITORY_ID: '0a2c7b1e-8f1d-4c2b-9a55-3e3f0c1d2e4f',
    BUILD_SOURCEVERSION: '3f2a9c0e5b1d4a7f8e6c2b0a9d8e7f6a5b4c3d2e',
    BUILD_SOURCEBRANCH: 'refs/heads/main',
    AGENT_NAME: 'Hosted Agent',
    AGENT_OS: 'Linux',
    AGENT_CLOUDID: 'cloud-1',
    AGENT_ISSELFHOSTED: '0',
    AGENT_TEMPDIRECTORY: job.tempDirectory,
    ENDPOINT_URL_SYSTEMVSSCONNECTION: job.collectionUri,
    ENDPOINT_AUTH_SYSTEMVSSCONNECTION: JSON.stringify({ parameters: { AccessToken: job.accessToken }, scheme: 'OAuth' }),
    ...extra,
  };
}

/** How one run of the task ended. */
export type TaskRun = NodeRun;

/**
 * Spawns `node index.js` in `directory` with exactly `env`; kills it after `killAfterMs`.
 * `node` is the Node.js binary, as an agent's handler picks one (default: the one running the tests).
 */
export function runTask(
  directory: string,
  env: Record<string, string>,
  killAfterMs = 60000,
  node: string = process.execPath,
): Promise<TaskRun> {
  return runNode(node, join(directory, 'index.js'), env.AGENT_TEMPDIRECTORY ?? directory, env, killAfterMs);
}

/**
 * The current time cut to a whole second: a `System.PipelineStartTime` (whole seconds) that is
 * already past, so every push the test makes from now on falls after it, with no waiting.
 */
export function currentWholeSecond(): number {
  return Math.floor(Date.now() / 1000) * 1000;
}

/**
 * The next whole second, once the clock has passed it: a `System.PipelineStartTime` (whole
 * seconds) that no push made before this call can fall after, so an earlier test's push in the
 * same second never enters the job's window. Waits for the clock (at most a second), not a sleep.
 */
export async function nextWholeSecond(): Promise<number> {
  const next = currentWholeSecond() + 1000;
  await waitFor('the clock to pass into the next whole second', () => Date.now() >= next);
  return next;
}

/** What a packaged-task test runs against: the Azure DevOps stand-in, a report receiver, and a job of that organisation. */
export interface TaskRig {
  devops: AzureDevOpsStandIn;
  receiver: ReportReceiver;
  job: SimulatedJob;
}

/** Starts a rig: a new stand-in and receiver, and a new job (its own temp folder). */
export async function startTaskRig(): Promise<TaskRig> {
  const devops = await AzureDevOpsStandIn.start();
  const receiver = await ReportReceiver.start();
  return { devops, receiver, job: newJob(devops.url) };
}

/** Closes a rig's stand-in and receiver and removes the job's temp folder. */
export async function closeTaskRig(rig: TaskRig): Promise<void> {
  await rig.devops.close();
  await rig.receiver.close();
  rmSync(rig.job.tempDirectory, { recursive: true, force: true });
}
