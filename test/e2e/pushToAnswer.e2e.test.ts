/**
 * End to end, with every real part that can run here: the `.vsix` built by `npm run package`,
 * the task extracted from it and run as the agent runs it, the real Docker engine and
 * registries, the mapping service as its own process (SQLite, then PostgreSQL) verifying real
 * OIDC signatures, and the service's API and CLI. Only Azure DevOps is a local stand-in.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPORT_ATTACHMENT_TYPE } from '../../common/report';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { ImageDetail } from '../../service/src/schemas/images';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { buildScratchImage, pushImage, registryDigest, removeImages, tagImage, uniqueRepository } from '../support/docker';
import { REGISTRY, SECOND_REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { buildAndExtractTask } from '../support/vsix';
import { agentEnvironment, currentWholeSecond, runTask, type SimulatedJob } from '../task/runTask';
import { DATABASES, type TestDatabase } from '../service/support/stores';
import { AzureDevOpsOrganization } from './support/azureDevOpsBuilds';
import { freePort, runCli, startService, type ServiceProcess } from './support/serviceProcess';

const ORGANIZATION_ID = '6f1e0c9a-3b2d-4e5f-8a7b-1c2d3e4f5a6b';
const PROJECT_ID = '0d3f2a7e-5b1c-4d9e-8f7a-6b5c4d3e2f1a';
const PROJECT_NAME = 'Fabrikam Fiber';
const READ_TOKEN = `read-${randomUUID()}`;
const PAT = `pat-${randomUUID()}`;

async function getJson<T>(url: string, token = READ_TOKEN): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

for (const kind of DATABASES) {
  // Each test starts from nothing (its own Azure DevOps stand-in and organisation, database and
  // service process) and makes the runs it needs itself, so any one runs alone (--grep) or in any order.
  // Only the packaged task is shared: it is built once, with the service's URL (and port) baked in.
  describe(`end to end on ${kind.name}: a pipeline's push, answered by the service`, function () {
    this.timeout(120_000);

    let standIn: AzureDevOpsStandIn;
    let org: AzureDevOpsOrganization;
    let db: TestDatabase;
    let port: number;
    let service: ServiceProcess | undefined;
    let taskDir: string;
    let nextBuildId = 4100;
    const images: string[] = [];

    const serviceEnv = () => ({
      CM_DATABASE_URL: db.url,
      CM_OIDC_ORGANIZATIONS: JSON.stringify([{ id: ORGANIZATION_ID, url: standIn.url, issuer: org.issuer }]),
      CM_TOKENS: JSON.stringify([{ name: 'security-team', sha256: hashToken(READ_TOKEN), scopes: ['read'] }]),
    });

    /** A new run of pipeline 17 in the project: one job, its timeline record and its token's claims. */
    function newRun(): { job: SimulatedJob; env: Record<string, string>; started: number } {
      const started = currentWholeSecond();
      const job: SimulatedJob = {
        collectionUri: standIn.url,
        projectId: PROJECT_ID,
        planId: randomUUID(),
        jobId: randomUUID(),
        buildId: nextBuildId++,
        accessToken: `job-token-${randomUUID()}`,
        tempDirectory: mkdtempSync(join(tmpdir(), 'cm-e2e-agent-')),
      };
      const env = agentEnvironment(job, started, { SYSTEM_COLLECTIONID: ORGANIZATION_ID, SYSTEM_TEAMPROJECT: PROJECT_NAME });
      standIn.setTimeline(job.buildId, [{ id: job.jobId, name: 'Build image', startTime: new Date(started).toISOString() }]);
      org.startJob(env, {
        id: job.buildId,
        buildNumber: env.BUILD_BUILDNUMBER ?? '',
        projectId: PROJECT_ID,
        projectName: PROJECT_NAME,
        startTime: new Date(started),
      });
      return { job, env, started };
    }

    async function buildAndPush(registry: string, repository: string, tag: string, content: string): Promise<string> {
      const reference = `${registry}/${repository}:${tag}`;
      await buildScratchImage(reference, content, { 'org.opencontainers.image.source': 'https://dev.azure.com/contoso/web-api' });
      images.push(reference);
      await pushImage(reference);
      return registryDigest(registry, repository, tag);
    }

    /** A run that pushes a new image to `repository:1.0.0` and whose step reports it to the running service. */
    async function reportedPush(repository: string): Promise<{ run: ReturnType<typeof newRun>; digest: string; stdout: string }> {
      const run = newRun();
      const digest = await buildAndPush(REGISTRY, repository, '1.0.0', `first ${repository} ${randomUUID()}`);
      const result = await runTask(taskDir, run.env);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      return { run, digest, stdout: result.stdout };
    }

    /**
     * A run that pushes a new image while the service is down: its step attaches the report, the
     * agent uploads it, the run finishes; then the service is started again (nothing in it yet).
     */
    async function pushWhileServiceIsDown(repository: string): Promise<{ run: ReturnType<typeof newRun>; digest: string }> {
      await service?.stop();
      service = undefined;
      const run = newRun();
      const digest = await buildAndPush(REGISTRY, repository, '2.0.0', `second ${repository} ${randomUUID()}`);
      const result = await runTask(taskDir, run.env);
      assert.equal(result.code, 0, 'the step succeeds although the service is down');
      assert.match(result.stdout, /##vso\[task\.addattachment type=containerMappingReport;/);
      assert.equal(org.uploadAttachments(result.stdout, run.env), 1, 'the agent uploads the attached report');
      const uploaded = org.attachments[org.attachments.length - 1];
      assert.equal(uploaded?.recordId, run.env.SYSTEM_TASKINSTANCEID, "filed under the step's timeline record, not the job's");
      org.finishBuild(run.job.buildId);
      assert.equal(org.attachments.filter((a) => a.type === REPORT_ATTACHMENT_TYPE).length, 1);
      service = await startService(port, serviceEnv());
      return { run, digest };
    }

    /** The push of `digest` by `runId`, as the service's API answers it. */
    async function pushOf(digest: string, runId: number) {
      const { status, body } = await getJson<ImageDetail>(`${service?.url}/api/v1/images/${digest}`);
      assert.equal(status, 200, `GET /api/v1/images/${digest} answered ${status}: ${JSON.stringify(body)}`);
      const push = body.pushes.find((p) => p.run.id === runId);
      assert.ok(push, `no push by run ${runId} in ${JSON.stringify(body.pushes.map((p) => p.run))}`);
      return { detail: body, push };
    }

    function assertRunFields(push: ImageDetail['pushes'][number], env: Record<string, string>, job: SimulatedJob): void {
      assert.equal(push.run.id, job.buildId);
      assert.equal(push.run.number, env.BUILD_BUILDNUMBER);
      assert.equal(
        push.run.url,
        `${standIn.url.replace(/\/$/, '')}/${encodeURIComponent(PROJECT_NAME)}/_build/results?buildId=${job.buildId}`,
      );
      assert.deepEqual(push.pipeline, { id: 17, name: env.BUILD_DEFINITIONNAME, hub: 'build' });
      assert.deepEqual(push.project, { id: PROJECT_ID, name: PROJECT_NAME });
      assert.equal(push.job.id, job.jobId);
      assert.equal(push.job.attempt, 1);
      assert.equal(push.sourceRepository.url, env.BUILD_REPOSITORY_URI);
      assert.equal(push.sourceRepository.name, env.BUILD_REPOSITORY_NAME);
      assert.equal(push.commit, env.BUILD_SOURCEVERSION);
      assert.equal(push.branch, env.BUILD_SOURCEBRANCH);
      assert.equal(push.attribution, 'exclusive');
    }

    before(async () => {
      await requireDocker();
      await requireRegistry(REGISTRY);
      await requireRegistry(SECOND_REGISTRY);
      port = await freePort();
      // The organisation's admin bakes the service URL into the package (README: npm run package -- --service-url).
      ({ taskDir } = await buildAndExtractTask({ serviceUrl: `http://127.0.0.1:${port}` }));
    });

    beforeEach(async () => {
      standIn = await AzureDevOpsStandIn.start();
      org = await AzureDevOpsOrganization.attach(standIn, ORGANIZATION_ID, PAT);
      db = await kind.create();
      service = await startService(port, serviceEnv());
    });

    afterEach(async () => {
      await service?.stop();
      service = undefined;
      await standIn?.close();
      await org?.close();
      await db?.destroy();
    });

    after(async () => {
      await removeImages(images);
    });

    it('maps a pushed image to the run, pipeline, job, repository, commit and branch the job ran with', async () => {
      const repository = uniqueRepository('e2e');
      const { run, digest, stdout } = await reportedPush(repository);
      assert.match(stdout, new RegExp(digest));
      assert.equal(standIn.requestsTo('oidc').length, 1, 'the task asked Azure DevOps for its OIDC token');

      const { detail, push } = await pushOf(digest, run.job.buildId);
      assert.equal(detail.digest, digest, "the service's digest is the registry's Docker-Content-Digest");
      assert.deepEqual(
        detail.references.map((r) => `${r.registry}/${r.repository}:${r.tag}`),
        [`${REGISTRY}/${repository}:1.0.0`],
      );
      assertRunFields(push, run.env, run.job);
    });

    it('answers the same through the CLI, as a table and as JSON', async () => {
      const repository = uniqueRepository('e2e');
      const { run, digest } = await reportedPush(repository);
      const env = { CM_URL: service?.url ?? '', CM_TOKEN: READ_TOKEN };
      const table = await runCli(['query', 'image', digest], env);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`${REGISTRY}/${repository}:1\\.0\\.0`));
      assert.match(table.stdout, new RegExp(String(run.job.buildId)));
      const asJson = await runCli(['query', 'image', digest, '--json'], env);
      assert.equal(asJson.code, 0, asJson.stderr);
      const parsed = JSON.parse(asJson.stdout) as ImageDetail;
      assert.equal(parsed.digest, digest);
      assert.equal(parsed.pushes[0]?.commit, run.env.BUILD_SOURCEVERSION);
    });

    it('adds a reference and a run when a second run pushes the same image under a new tag', async () => {
      const repository = uniqueRepository('e2e');
      const { run: firstRun, digest } = await reportedPush(repository);
      const run = newRun();
      const reference = `${SECOND_REGISTRY}/${repository}:1.0.0-promoted`;
      await tagImage(`${REGISTRY}/${repository}:1.0.0`, reference);
      images.push(reference);
      await pushImage(reference);
      assert.equal(await registryDigest(SECOND_REGISTRY, repository, '1.0.0-promoted'), digest);

      const result = await runTask(taskDir, run.env);
      assert.equal(result.code, 0, result.stdout + result.stderr);

      const { detail, push } = await pushOf(digest, run.job.buildId);
      assert.deepEqual(
        detail.references.map((r) => `${r.registry}/${r.repository}:${r.tag}`).sort(),
        [`${REGISTRY}/${repository}:1.0.0`, `${SECOND_REGISTRY}/${repository}:1.0.0-promoted`].sort(),
      );
      assert.deepEqual([...new Set(detail.pushes.map((p) => p.run.id))].sort(), [firstRun.job.buildId, run.job.buildId].sort());
      assertRunFields(push, run.env, run.job);
    });

    it('keeps the mapping of a job that ran while the service was down, and backfill brings it in', async () => {
      const { run, digest } = await pushWhileServiceIsDown(uniqueRepository('e2e'));
      assert.equal((await getJson(`${service?.url}/api/v1/images/${digest}`)).status, 404, 'not known before backfill');

      const args = ['backfill', '--organization', standIn.url, '--project', PROJECT_NAME, '--since', '1h', '--database', db.url];
      const first = await runCli(args, { AZURE_DEVOPS_TOKEN: PAT });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /found 1 report: 1 new, 0 replaced, 0 unchanged, 0 rejected/);

      const { push } = await pushOf(digest, run.job.buildId);
      assert.equal(push.digest, digest);
      assertRunFields(push, run.env, run.job);
      const before = await getJson<ImageDetail>(`${service?.url}/api/v1/images/${digest}`);

      const second = await runCli(args, { AZURE_DEVOPS_TOKEN: PAT });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /found 1 report: 0 new, 0 replaced, 1 unchanged, 0 rejected/);
      assert.deepEqual(await getJson<ImageDetail>(`${service?.url}/api/v1/images/${digest}`), before, 'a second backfill changes nothing');
    });

    it('refuses a backfill with a wrong personal access token and changes nothing', async () => {
      const repository = uniqueRepository('e2e');
      const stored = await reportedPush(repository);
      // A report is waiting on a finished run: a backfill with the right token would bring it in.
      const waiting = await pushWhileServiceIsDown(repository);
      const list = `${service?.url}/api/v1/images?repository=${encodeURIComponent(repository)}`;
      const before = await getJson<{ items: unknown[] }>(list);
      assert.equal(before.status, 200);
      assert.equal(before.body.items.length, 1, `only the delivered push is stored: ${JSON.stringify(before.body)}`);

      const args = ['backfill', '--organization', standIn.url, '--project', PROJECT_NAME, '--since', '1h', '--database', db.url];
      const refused = await runCli(args, { AZURE_DEVOPS_TOKEN: 'not-the-pat' });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /401|not authorized/i);
      assert.doesNotMatch(refused.stderr + refused.stdout, /not-the-pat/, 'the token is never printed');
      assert.deepEqual(await getJson(list), before);
      assert.equal((await getJson(`${service?.url}/api/v1/images/${waiting.digest}`)).status, 404, 'the waiting report was not brought in');
      assert.equal((await pushOf(stored.digest, stored.run.job.buildId)).push.digest, stored.digest, 'the stored push is still there');
    });
  });
}
