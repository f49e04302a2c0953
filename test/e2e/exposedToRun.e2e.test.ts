/**
 * The security manager's question, end to end (issue 10): a pipeline's push (the real engine and registry,
 * the task from the built `.vsix` run as the agent runs it, reporting with its job's OIDC token) → a cluster
 * snapshot that runs the pushed digest behind a public load balancer → a Trivy report for that digest →
 * `container-mapping query exposed --min-severity high --json` names the run, the repository and the commit.
 * Everything through the CLI as a user runs it, with tokens it made: one with the inventory scope for the
 * imports, one with the read scope for the question. Only Azure DevOps is a local stand-in.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlList, trivyReport } from '../../scripts/clusterDocuments';
import type { ExposedLine } from '../../service/src/cli/exposedRows';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { buildScratchImage, pushImage, registryDigest, removeImages, uniqueRepository } from '../support/docker';
import { REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { buildAndExtractTask } from '../support/vsix';
import { agentEnvironment, currentWholeSecond, runTask, type SimulatedJob } from '../task/runTask';
import { DATABASES, type TestDatabase } from '../service/support/stores';
import { AzureDevOpsOrganization } from './support/azureDevOpsBuilds';
import { buildService, freePort, runCli, startService, type ServiceProcess } from './support/serviceProcess';

const ORGANIZATION_ID = '8c4d2e6f-1a3b-4c5d-9e7f-2a4b6c8d0e1f';
const PROJECT_ID = '5e7a9c1b-3d5f-4a6b-8c0d-2e4f6a8b0c1d';
const PROJECT_NAME = 'Fabrikam Fiber';

/** A static token made with `container-mapping token create`, and the config entry it printed for it. */
interface CreatedToken {
  token: string;
  entry: unknown;
}

async function createToken(name: string, scope: string): Promise<CreatedToken> {
  const { code, stdout, stderr } = await runCli(['token', 'create', '--name', name, '--scope', scope]);
  assert.equal(code, 0, stderr);
  const token = /^token \(shown once, store it as a secret\): (\S+)$/m.exec(stdout)?.[1];
  const entry = /^add to "tokens" in the config file: (.+)$/m.exec(stdout)?.[1];
  assert.ok(token && entry, `token create printed no token or entry:\n${stdout}`);
  return { token, entry: JSON.parse(entry) as unknown };
}

for (const kind of DATABASES) {
  describe(`end to end on ${kind.name}: from an exposed, vulnerable workload back to the run that built its image`, function () {
    this.timeout(120_000);

    let taskDir: string;
    let port: number;
    let inventory: CreatedToken;
    let read: CreatedToken;
    let standIn: AzureDevOpsStandIn | undefined;
    let org: AzureDevOpsOrganization | undefined;
    let db: TestDatabase | undefined;
    let service: ServiceProcess | undefined;
    let work: string | undefined;
    const images: string[] = [];

    before(async () => {
      await requireDocker();
      await requireRegistry(REGISTRY);
      port = await freePort();
      ({ taskDir } = await buildAndExtractTask({ serviceUrl: `http://127.0.0.1:${port}` }));
      await buildService();
      inventory = await createToken('cluster-inventory', 'inventory');
      read = await createToken('security-team', 'read');
    });

    beforeEach(async () => {
      work = mkdtempSync(join(tmpdir(), 'cm-e2e-exposed-'));
      standIn = await AzureDevOpsStandIn.start();
      org = await AzureDevOpsOrganization.attach(standIn, ORGANIZATION_ID, `pat-${randomUUID()}`);
      db = await kind.create();
      service = await startService(port, {
        CM_DATABASE_URL: db.url,
        CM_OIDC_ORGANIZATIONS: JSON.stringify([{ id: ORGANIZATION_ID, url: standIn.url, issuer: org.issuer }]),
        CM_TOKENS: JSON.stringify([inventory.entry, read.entry]),
      });
    });

    afterEach(async () => {
      await service?.stop();
      await standIn?.close();
      await org?.close();
      await db?.destroy();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    after(async () => removeImages(images));

    /** A build job of pipeline 17 that pushes a new image to `repository:1.0.0`; its step reports it with the job's OIDC token. */
    async function pipelinePush(repository: string): Promise<{ job: SimulatedJob; env: Record<string, string>; digest: string }> {
      assert.ok(standIn && org);
      const started = currentWholeSecond();
      const job: SimulatedJob = {
        collectionUri: standIn.url,
        projectId: PROJECT_ID,
        planId: randomUUID(),
        jobId: randomUUID(),
        buildId: 5101,
        accessToken: `job-token-${randomUUID()}`,
        tempDirectory: mkdtempSync(join(work ?? tmpdir(), 'agent-')),
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

      const reference = `${REGISTRY}/${repository}:1.0.0`;
      await buildScratchImage(reference, `exposed ${repository} ${randomUUID()}`);
      images.push(reference);
      await pushImage(reference);
      const digest = await registryDigest(REGISTRY, repository, '1.0.0');
      const result = await runTask(taskDir, env);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      // The engine is shared: another test's push in the same window is mapped too, so look for this one among them.
      assert.match(result.stdout, new RegExp(`Mapped \\d+ pushed images? to run .* → ${digest}`), 'the task reported the push');
      return { job, env, digest };
    }

    /** Writes `document` as JSON into the test's folder; the path, for the CLI. */
    function writeJson(name: string, document: object): string {
      const path = join(work ?? tmpdir(), name);
      writeFileSync(path, JSON.stringify(document, null, 4));
      return path;
    }

    it('answers query exposed with the run, pipeline, repository and commit that pushed the digest a public load balancer serves', async () => {
      const repository = uniqueRepository('e2e-exposed');
      const { job, env, digest } = await pipelinePush(repository);
      const reference = `${REGISTRY}/${repository}:1.0.0`;
      const cluster = `aks-prod-${randomUUID().slice(0, 8)}`;
      const list = writeJson(
        'cluster.json',
        kubectlList(
          [
            { namespace: 'shop', name: 'web-api', image: reference, digest, exposure: 'LoadBalancer' },
            // The same digest behind a ClusterIP Service only: it runs there, but is not exposed, so it is no row.
            { namespace: 'back-office', name: 'reports', image: reference, digest, exposure: 'ClusterIP' },
          ],
          new Date(),
        ),
      );
      const scan = writeJson(
        'trivy.json',
        trivyReport(
          reference,
          digest,
          [
            {
              id: 'CVE-2024-45337',
              packageName: 'golang.org/x/crypto',
              installedVersion: '0.30.0',
              fixedVersion: '0.31.0',
              severity: 'CRITICAL',
              title: 'golang.org/x/crypto/ssh: misuse of ServerConfig.PublicKeyCallback may cause authorization bypass',
            },
            {
              id: 'CVE-2023-44487',
              packageName: 'golang.org/x/net',
              installedVersion: '0.15.0',
              fixedVersion: '0.17.0',
              severity: 'HIGH',
              title: 'HTTP/2 rapid reset can cause excessive work',
            },
          ],
          new Date(),
        ),
      );
      const asInventory = { CM_URL: service?.url ?? '', CM_TOKEN: inventory.token };
      const asReader = { CM_URL: service?.url ?? '', CM_TOKEN: read.token };

      const snapshot = await runCli(['import', 'kubernetes', '--cluster', cluster, list], asInventory);
      assert.equal(snapshot.code, 0, snapshot.stderr);
      const scanned = await runCli(['import', 'vulnerabilities', scan], asInventory);
      assert.equal(scanned.code, 0, scanned.stderr);

      const answer = await runCli(['query', 'exposed', '--min-severity', 'high', '--cluster', cluster, '--json'], asReader);
      assert.equal(answer.code, 0, answer.stderr);
      const rows = JSON.parse(answer.stdout) as ExposedLine[];
      assert.deepEqual(
        rows.map((r) => ({ ...r, snapshotTakenAt: typeof r.snapshotTakenAt })),
        [
          {
            cluster,
            namespace: 'shop',
            workloadKind: 'Deployment',
            workloadName: 'web-api',
            exposure: ['LoadBalancer web-api:80'],
            reference,
            digest,
            critical: 1,
            high: 1,
            medium: 0,
            low: 0,
            negligible: 0,
            unknown: 0,
            runs: [
              {
                pipelineId: 17,
                pipeline: env.BUILD_DEFINITIONNAME,
                runId: job.buildId,
                runNumber: env.BUILD_BUILDNUMBER,
                commit: env.BUILD_SOURCEVERSION,
                branch: env.BUILD_SOURCEBRANCH,
                runUrl: `${standIn?.url.replace(/\/$/, '')}/${encodeURIComponent(PROJECT_NAME)}/_build/results?buildId=${job.buildId}`,
                job: env.SYSTEM_JOBDISPLAYNAME,
                repositoryName: env.BUILD_REPOSITORY_NAME,
                repositoryUrl: env.BUILD_REPOSITORY_URI,
                attribution: 'exclusive',
                pushedDigest: digest,
                provider: 'azure-devops',
                commitUrl: null,
              },
            ],
            relatedDigests: [],
            snapshotTakenAt: 'string',
            snapshotImportedBy: 'token:cluster-inventory',
          },
        ],
      );
    });
  });
}
