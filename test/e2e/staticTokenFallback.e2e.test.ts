/**
 * The static-token fallback, end to end: a mapping service configured with static tokens only
 * (no Azure DevOps organisation for OIDC, as on a server whose tokens it cannot verify), and a
 * job that does get a real, signed OIDC token from Azure DevOps (the stand-in). The task sends
 * the OIDC token first; the service refuses it (401); the task sends the report once more with
 * `ContainerMapping.Token`, and says which credential was accepted, never the token.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from 'jose';
import { claimsFromPipelineEnvironment, mintAzureDevOpsToken } from '../support/azureDevOpsTokens';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { ImageDetail } from '../../service/src/schemas/images';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { buildScratchImage, pushImage, registryDigest, removeImages, uniqueRepository } from '../support/docker';
import { REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { SQLITE, type TestDatabase } from '../service/support/stores';
import { agentEnvironment, nextWholeSecond, runTask, taskDirectory, type SimulatedJob, type TaskRun } from '../task/runTask';
import { freePort, startService, type ServiceProcess } from './support/serviceProcess';

const ORGANIZATION_ID = '2b7c9d1e-4f3a-4c5b-8d6e-7f8a9b0c1d2e';
const INGEST_TOKEN = `cmt_ingest-${randomUUID()}`;
const READ_TOKEN = `cmt_read-${randomUUID()}`;

/** A secret may appear only inside `##vso[task.setsecret]`, which the agent consumes. */
function assertNeverPrinted(run: TaskRun, secret: string): void {
  const visible = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('##vso[task.setsecret]'))
    .join('\n');
  assert.ok(!visible.includes(secret), 'a token was printed to stdout');
  assert.ok(!run.stderr.includes(secret), 'a token was printed to stderr');
}

describe("end to end: a service with static tokens only refuses the job's OIDC token, and the task falls back to ContainerMapping.Token", function () {
  this.timeout(120_000);

  let standIn: AzureDevOpsStandIn;
  let db: TestDatabase;
  let service: ServiceProcess;
  let taskDir: string;
  const jobs = new Map<string, Record<string, string>>();
  const images: string[] = [];
  const folders: string[] = [];

  before(async () => {
    await requireDocker();
    await requireRegistry(REGISTRY);
    standIn = await AzureDevOpsStandIn.start();
    // Real RS256 tokens with the job's claims, as Azure DevOps issues them: the service could
    // verify them if it knew the organisation, and does not.
    const { privateKey } = await generateKeyPair('RS256');
    standIn.setOidcMinter((request) => {
      const env = jobs.get(request.jobId);
      if (!env) throw new Error(`no job ${request.jobId}`);
      return mintAzureDevOpsToken(claimsFromPipelineEnvironment(env), { privateKey, keyId: 'stand-in-1' });
    });
    db = await SQLITE.create();
    taskDir = await taskDirectory();
    service = await startService(await freePort(), {
      CM_DATABASE_URL: db.url,
      CM_TOKENS: JSON.stringify([
        { name: 'server-ingest', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
        { name: 'security-team', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
      ]),
    });
  });

  after(async () => {
    await service?.stop();
    await standIn?.close();
    await db?.destroy();
    await removeImages(images);
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  /** A job that pushed one new image; its environment as the agent gives it to the task. */
  async function jobThatPushed(extra: Record<string, string>): Promise<{ job: SimulatedJob; env: Record<string, string>; digest: string }> {
    const started = await nextWholeSecond();
    const job: SimulatedJob = {
      collectionUri: standIn.url,
      projectId: randomUUID(),
      planId: randomUUID(),
      jobId: randomUUID(),
      buildId: 7000 + Math.floor(Math.random() * 1000),
      accessToken: `job-token-${randomUUID()}`,
      tempDirectory: mkdtempSync(join(tmpdir(), 'cm-e2e-fallback-')),
    };
    folders.push(job.tempDirectory);
    const env = agentEnvironment(job, started, { SYSTEM_COLLECTIONID: ORGANIZATION_ID, INPUT_SERVICEURL: service.url, ...extra });
    jobs.set(job.jobId, env);
    standIn.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(started).toISOString() }]);
    const repository = uniqueRepository('fallback');
    const reference = `${REGISTRY}/${repository}:1`;
    await buildScratchImage(reference, `fallback ${randomUUID()}`);
    images.push(reference);
    await pushImage(reference);
    return { job, env, digest: await registryDigest(REGISTRY, repository, '1') };
  }

  it('delivers the report with the static token and says which credential the service accepted', async () => {
    const { job, digest } = await jobThatPushed({ SECRET_CONTAINERMAPPING_TOKEN: INGEST_TOKEN });
    const minted = standIn.mintedTokens.length;

    const run = await runTask(taskDir, jobs.get(job.jobId) ?? {});
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(standIn.mintedTokens.length, minted + 1, 'the job obtained an OIDC token');
    assert.match(
      run.stdout,
      /The service refused the job's OIDC token \(401\) and accepted the static token \(ContainerMapping\.Token\)\./,
    );
    assert.doesNotMatch(run.stdout, /task\.addattachment/);
    assert.doesNotMatch(run.stdout, /task\.logissue/);

    const res = await fetch(`${service.url}/api/v1/images/${digest}`, { headers: { Authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(res.status, 200);
    const detail = (await res.json()) as ImageDetail;
    assert.deepEqual(
      detail.pushes.map((p) => p.run.id),
      [job.buildId],
    );
    for (const secret of [INGEST_TOKEN, job.accessToken, standIn.mintedTokens.at(-1) ?? 'none']) assertNeverPrinted(run, secret);
  });

  it('attaches the report, as before, when the OIDC token is refused and no static token is set', async () => {
    const { job, digest } = await jobThatPushed({});

    const run = await runTask(taskDir, jobs.get(job.jobId) ?? {});
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /##vso\[task\.logissue type=warning\].*answered 401 \(the service did not accept the job's OIDC token\)/);
    assert.match(run.stdout, /##vso\[task\.addattachment type=containerMappingReport;/);
    const res = await fetch(`${service.url}/api/v1/images/${digest}`, { headers: { Authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(res.status, 404, 'nothing was stored');
    assertNeverPrinted(run, standIn.mintedTokens.at(-1) ?? 'none');
  });
});
