/**
 * The bundled task, run as the agent runs it, against the real Docker engine, the two real
 * registries, the Azure DevOps stand-in and a local report receiver.
 */
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ReportSchema, type Report } from '../../common/report';
import { computeIdempotencyKey } from '../../common/idempotency';
import { DOCKER_SOCKET, REGISTRY, SECOND_REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import {
  buildScratchImage,
  pushEventTimeNano,
  pushImage,
  registryDigest,
  removeImages,
  tagImage,
  uniqueRepository,
} from '../support/docker';
import { waitFor } from '../support/waitFor';
import { loopbackCertificate } from '../support/certificate';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ReportReceiver } from './receiver';
import { hungDaemon } from './hungDaemon';
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

const DOCKER_HOST = `unix://${DOCKER_SOCKET}`;

/** The one report the receiver got, checked against the shared schema. */
function onlyReport(receiver: ReportReceiver): Report {
  assert.equal(receiver.received.length, 1, `expected one POST, got ${receiver.received.length}`);
  const body = receiver.received[0]?.body;
  assert.ok(validateReport(body), `report does not match the schema: ${ajv.errorsText(validateReport.errors)}`);
  return body as Report;
}

/** Images in the report that belong to this test's repositories. */
function imagesIn(report: Report, repositories: string[]) {
  return report.images.filter((i) => repositories.includes(i.repository));
}

/** Asserts the run ended Succeeded: exit 0 and no `task.complete` other than Succeeded. */
function assertSucceeded(run: TaskRun): void {
  assert.equal(run.code, 0, `exit code ${run.code}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stdout, /##vso\[task\.complete result=(Failed|Cancelled)/);
  assert.doesNotMatch(run.stdout, /##vso\[task\.issue type=error/);
}

/** Asserts a secret shows up only inside `##vso[task.setsecret]` commands, which the agent consumes. */
function assertNeverPrinted(run: TaskRun, secret: string): void {
  const visible = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('##vso[task.setsecret]'))
    .join('\n');
  assert.ok(!visible.includes(secret), 'a token was printed to stdout');
  assert.ok(!run.stderr.includes(secret), 'a token was printed to stderr');
}

describe('The injected task, run as the agent runs it', function () {
  let dir: string;
  let devops: AzureDevOpsStandIn;
  let receiver: ReportReceiver;
  let job: SimulatedJob;
  const cleanup: string[] = [];

  before(async function () {
    await requireDocker();
    await requireRegistry(REGISTRY);
    await requireRegistry(SECOND_REGISTRY);
    dir = await taskDirectory();
  });

  beforeEach(async function () {
    ({ devops, receiver, job } = await startTaskRig());
  });

  afterEach(async function () {
    await closeTaskRig({ devops, receiver, job });
  });

  after(async function () {
    await removeImages(cleanup);
  });

  /** Starts a job now: pipeline start at the current whole second, the job's timeline record a little later. */
  async function startJob(): Promise<{ pipelineStart: number; jobStart: number }> {
    const pipelineStart = await nextWholeSecond();
    const jobStart = Date.now();
    devops.setTimeline(job.buildId, [
      { id: randomUUID(), startTime: new Date(pipelineStart).toISOString() },
      { id: job.jobId, startTime: new Date(jobStart).toISOString() },
    ]);
    return { pipelineStart, jobStart };
  }

  /** Starts a job (startJob) and pushes one new image, `<registry>/<prefix-…>:1`, in it. */
  async function startJobWithPush(prefix: string): Promise<{ repo: string; pipelineStart: number; reference: string }> {
    const repo = uniqueRepository(prefix);
    const { pipelineStart } = await startJob();
    const reference = `${REGISTRY}/${repo}:1`;
    await build(reference, `${prefix} ${randomUUID()}`);
    await pushImage(reference);
    return { repo, pipelineStart, reference };
  }

  function env(pipelineStart: number, extra: Record<string, string> = {}): Record<string, string> {
    return agentEnvironment(job, pipelineStart, { INPUT_DOCKERHOST: DOCKER_HOST, INPUT_SERVICEURL: receiver.url, ...extra });
  }

  async function build(reference: string, content: string, labels: Record<string, string> = {}): Promise<string> {
    cleanup.push(reference);
    return buildScratchImage(reference, content, labels);
  }

  it('ends Succeeded in a line, without loading task-lib, when no Docker engine answers', async function () {
    const { pipelineStart } = await startJob();
    const run = await runTask(dir, env(pipelineStart, { INPUT_DOCKERHOST: `unix://${join(tmpdir(), `no-docker-${randomUUID()}.sock`)}` }));
    assertSucceeded(run);
    assert.match(run.stdout, /Nothing to report: no Docker engine at unix:\/\/.* answered \(ENOENT\)/);
    assert.doesNotMatch(run.stdout, /##vso\[task\.debug\]/, 'task-lib was loaded');
    assert.equal(receiver.received.length, 0);
    assert.equal(devops.requests.length, 0);
  });

  it('reports nothing when the engine answers but nothing was pushed in the pipeline', async function () {
    const { pipelineStart } = await startJob();
    const run = await runTask(dir, env(pipelineStart));
    assertSucceeded(run);
    assert.match(run.stdout, /Nothing to report: no image was pushed in this job/);
    assert.equal(receiver.received.length, 0);
    assert.equal(devops.requests.length, 0);
  });

  it("reports three pushes (one image under two tags, two registries) with the registries' digests, authenticated by the job's OIDC token", async function () {
    const repoA = uniqueRepository('three-a');
    const repoB = uniqueRepository('three-b');
    const { pipelineStart } = await startJob();
    const first = `${REGISTRY}/${repoA}:1.4.2`;
    const imageId = await build(first, `three ${randomUUID()}`, {
      'org.opencontainers.image.revision': 'abc123',
      'org.opencontainers.image.source': 'https://example.test/web-api',
      'com.example.private': 'x',
    });
    const second = `${REGISTRY}/${repoA}:latest`;
    const third = `${SECOND_REGISTRY}/${repoB}:1.4.2`;
    await tagImage(first, second);
    await tagImage(first, third);
    cleanup.push(second, third);
    await pushImage(first);
    await pushImage(second);
    await pushImage(third);
    const staticToken = `static-${randomUUID()}`;

    const run = await runTask(dir, env(pipelineStart, { SECRET_CONTAINERMAPPING_TOKEN: staticToken }));
    assertSucceeded(run);

    const report = onlyReport(receiver);
    const mine = imagesIn(report, [repoA, repoB]);
    assert.equal(mine.length, 3, JSON.stringify(report.images, null, 2));
    for (const image of mine) {
      assert.equal(
        image.digest,
        await registryDigest(image.registry, image.repository, image.tag ?? ''),
        `${image.registry}/${image.repository}:${image.tag}`,
      );
      assert.equal(image.imageId, imageId);
      assert.equal(image.origin, 'docker-events');
      assert.equal(image.os, 'linux');
      assert.deepEqual(image.labels, {
        'org.opencontainers.image.revision': 'abc123',
        'org.opencontainers.image.source': 'https://example.test/web-api',
      });
    }
    assert.deepEqual(mine.map((i) => `${i.registry}/${i.repository}:${i.tag}`).sort(), [first, second, third].sort());
    assert.equal(report.window.sinceSource, 'timeline');
    assert.equal(report.pipeline.runId, job.buildId);
    assert.equal(report.source.commit, '3f2a9c0e5b1d4a7f8e6c2b0a9d8e7f6a5b4c3d2e');
    assert.equal(report.agent.selfHosted, false);
    assert.equal(
      report.idempotencyKey,
      computeIdempotencyKey({
        organizationUrl: job.collectionUri,
        projectId: job.projectId,
        hub: 'build',
        runId: job.buildId,
        jobId: job.jobId,
        jobAttempt: 1,
      }),
    );
    assert.equal(report.collector.dockerApiVersion, '1.41');

    // Authentication: the job's token asked for an OIDC token for this very job, and that token was sent.
    const oidc = devops.requestsTo('oidc');
    assert.equal(oidc.length, 1);
    assert.equal(oidc[0]?.authorization, `Bearer ${job.accessToken}`);
    assert.equal(
      oidc[0]?.path,
      `/contoso/${job.projectId}/_apis/distributedtask/hubs/build/plans/${job.planId}/jobs/${job.jobId}/oidctoken`,
    );
    assert.equal(devops.requestsTo('timeline')[0]?.authorization, `Bearer ${job.accessToken}`);
    // Each call is one request at its fixed route and api-version (pipelineApi.ts), with no
    // resource-location look-up (`OPTIONS …/_apis/{area}`) before it.
    assert.deepEqual(devops.requests.map((r) => r.route).sort(), ['oidc', 'timeline']);
    assert.deepEqual(devops.requestsTo('options'), [], 'a resource location was looked up');
    assert.match(devops.requestsTo('timeline')[0]?.accept ?? '', /^application\/json;api-version=6\.0$/);
    assert.match(oidc[0]?.accept ?? '', /^application\/json;api-version=7\.1-preview\.1$/);
    assert.deepEqual(oidc[0]?.body, {});
    assert.equal(receiver.received[0]?.authorization, `Bearer ${devops.mintedTokens[0]}`);
    assert.equal(receiver.received[0]?.path, '/api/v1/reports');
    assert.match(receiver.received[0]?.contentType ?? '', /^application\/json/);

    // One group, a line naming the run and the digests; no token anywhere in the output.
    assert.match(run.stdout, /##\[group\]Container mapping\n/);
    assert.match(
      run.stdout,
      new RegExp(`Mapped \\d+ pushed images to run 20261128\\.${job.buildId}: .*${repoA.replace('/', '\\/')}:1\\.4\\.2 → sha256:`),
    );
    assert.match(run.stdout, /##\[endgroup\]\n$/);
    for (const secret of [job.accessToken, staticToken, devops.mintedTokens[0] ?? 'none']) assertNeverPrinted(run, secret);
  });

  it("keeps the collector's code cache on a self-hosted agent and reads it in its next jobs; a Microsoft-hosted agent writes none", async function () {
    const { repo, pipelineStart } = await startJobWithPush('cache');
    const digest = await registryDigest(REGISTRY, repo, '1');
    // A task folder of its own: the cache it keeps must not reach the other tests' runs.
    const folder = mkdtempSync(join(tmpdir(), 'cm-task-folder-'));
    cpSync(dir, folder, { recursive: true });
    const caches = () => readdirSync(folder).filter((f) => f.endsWith('.cache'));
    const digests = () => receiver.received.map((r) => imagesIn(r.body as Report, [repo]).map((i) => i.digest));
    try {
      assertSucceeded(await runTask(folder, env(pipelineStart, { AGENT_ISSELFHOSTED: '0' })));
      assert.deepEqual(caches(), [], 'a Microsoft-hosted agent kept a cache');

      assertSucceeded(await runTask(folder, env(pipelineStart, { AGENT_ISSELFHOSTED: '1' })));
      const written = caches();
      assert.equal(written.length, 1);
      assert.match(
        written[0] ?? '',
        new RegExp(`^collect\\.js\\.[0-9a-f]{16}\\.${process.version.replace(/\./g, '\\.')}-${process.arch}\\.cache$`),
      );
      const path = join(folder, written[0] ?? '');
      const kept = readFileSync(path);
      const keptAt = statSync(path).mtimeMs;

      // The next job reads it: V8 accepted it, so it is not written again.
      assertSucceeded(await runTask(folder, env(pipelineStart, { AGENT_ISSELFHOSTED: '1' })));
      assert.equal(statSync(path).mtimeMs, keptAt, 'the cache was written again, so V8 had rejected it');
      assert.deepEqual(readFileSync(path), kept);

      // A damaged cache is rejected by V8: the collector runs from source and the cache is replaced.
      writeFileSync(path, Buffer.alloc(kept.length, 0x42));
      assertSucceeded(await runTask(folder, env(pipelineStart, { AGENT_ISSELFHOSTED: '1' })));
      assert.notDeepEqual(readFileSync(path), Buffer.alloc(kept.length, 0x42));

      assert.deepEqual(digests(), [[digest], [digest], [digest], [digest]], 'every job reported the push alike');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('delivers over HTTPS to a service whose certificate the agent trusts (NODE_EXTRA_CA_CERTS), and not to one it does not', async function () {
    const { repo, pipelineStart } = await startJobWithPush('https');
    const tls = loopbackCertificate('127.0.0.1');
    const posts: { path: string; authorization: string; body: string }[] = [];
    const server = createHttpsServer({ key: tls.key, cert: tls.certificate }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        posts.push({ path: req.url ?? '', authorization: req.headers.authorization ?? '', body });
        res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"stored":1}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const serviceUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const trusted = await runTask(
        dir,
        env(pipelineStart, { INPUT_SERVICEURL: serviceUrl, NODE_EXTRA_CA_CERTS: join(tls.folder, 'cert.pem') }),
      );
      assertSucceeded(trusted);
      assert.equal(posts.length, 1, trusted.stdout);
      assert.equal(posts[0]?.path, '/api/v1/reports');
      assert.equal(posts[0]?.authorization, `Bearer ${devops.mintedTokens[0]}`);
      const report = JSON.parse(posts[0]?.body ?? '{}') as Report;
      assert.deepEqual(
        imagesIn(report, [repo]).map((i) => i.digest),
        [await registryDigest(REGISTRY, repo, '1')],
      );
      assert.match(trusted.stdout, /Mapped 1 pushed image/);

      // The same service, its certificate not trusted: nothing is posted, the report is attached.
      const untrusted = await runTask(dir, env(pipelineStart, { INPUT_SERVICEURL: serviceUrl }));
      assertSucceeded(untrusted);
      assert.equal(posts.length, 1, 'a report was posted to a service whose certificate is not trusted');
      assert.match(untrusted.stdout, /could not be reached \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
      assert.match(untrusted.stdout, /##vso\[task\.addattachment /);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(tls.folder, { recursive: true, force: true });
    }
  });

  it('loads neither node:http, TLS nor HTTP/2 on a push job whose endpoints are plain HTTP on Docker 20.10', async function () {
    const { repo, pipelineStart } = await startJobWithPush('modules');
    // Node's own list of the modules it loaded, read when the process ends (a preload, as NODE_OPTIONS allows).
    const listed = join(job.tempDirectory, 'modules.txt');
    const preload = join(job.tempDirectory, 'modules.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(listed)}, process.moduleLoadList.join('\\n')));\n`,
    );
    const run = await runTask(dir, env(pipelineStart, { NODE_OPTIONS: `--require ${preload}` }));
    assertSucceeded(run);
    assert.deepEqual(
      imagesIn(onlyReport(receiver), [repo]).map((i) => i.digest),
      [await registryDigest(REGISTRY, repo, '1')],
    );
    const modules = readFileSync(listed, 'utf8').split('\n');
    assert.ok(modules.includes('NativeModule net'), 'node:net was not loaded: the list is not the task run');
    // A build on an engine with no build history (API 1.41) opens no BuildKit session (node:http2),
    // plain-HTTP endpoints need no TLS, and the requests are written on sockets (collector/http.ts).
    for (const absent of ['http', 'http2', 'https', 'tls'])
      assert.ok(!modules.includes(`NativeModule ${absent}`), `node:${absent} was loaded`);
  });

  it('reports each image a tag held when it was pushed twice in the job', async function () {
    const repo = uniqueRepository('twice');
    const { pipelineStart } = await startJob();
    const reference = `${REGISTRY}/${repo}:1`;
    const firstId = await build(reference, `first ${randomUUID()}`);
    await pushImage(reference);
    const firstDigest = await registryDigest(REGISTRY, repo, '1');
    const secondId = await build(reference, `second ${randomUUID()}`);
    await pushImage(reference);
    const secondDigest = await registryDigest(REGISTRY, repo, '1');
    cleanup.push(firstId, secondId);
    assert.notEqual(firstDigest, secondDigest);

    const run = await runTask(dir, env(pipelineStart));
    assertSucceeded(run);
    const mine = imagesIn(onlyReport(receiver), [repo]);
    assert.deepEqual(
      mine.map((i) => [i.digest, i.imageId]),
      [
        [firstDigest, firstId],
        [secondDigest, secondId],
      ],
    );
    // The first digest is still the registry's manifest for that push.
    assert.equal(await registryDigest(REGISTRY, repo, firstDigest), firstDigest);
  });

  it('leaves out a push made before the job started', async function () {
    const repo = uniqueRepository('window');
    const pipelineStart = await nextWholeSecond();
    const before = `${REGISTRY}/${repo}:before`;
    await build(before, `before ${randomUUID()}`);
    await pushImage(before);
    // The job starts in the first millisecond after the engine recorded that push, and the next push waits for it.
    const jobStart = Math.floor((await pushEventTimeNano(before, pipelineStart)) / 1e6) + 1;
    await waitFor("the clock to reach the job's start", () => Date.now() >= jobStart);
    devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(jobStart).toISOString() }]);
    const during = `${REGISTRY}/${repo}:during`;
    await build(during, `during ${randomUUID()}`);
    await pushImage(during);

    const run = await runTask(dir, env(pipelineStart));
    assertSucceeded(run);
    const report = onlyReport(receiver);
    assert.deepEqual(
      imagesIn(report, [repo]).map((i) => i.tag),
      ['during'],
    );
    assert.equal(report.window.since, new Date(jobStart).toISOString());
  });

  it('does nothing when the pipeline opted out with ContainerMapping.Disabled at run time', async function () {
    const { pipelineStart } = await startJobWithPush('optout');

    const run = await runTask(dir, env(pipelineStart, { CONTAINERMAPPING_DISABLED: 'true' }));
    assertSucceeded(run);
    assert.match(run.stdout, /turned off for this pipeline/);
    assert.equal(receiver.received.length, 0);
    assert.equal(devops.requests.length, 0);
  });

  it('attaches the report to the run, and succeeds, when the service is down', async function () {
    const { repo, pipelineStart } = await startJobWithPush('down');
    const closed = await ReportReceiver.start();
    const downUrl = closed.url;
    await closed.close();

    const run = await runTask(dir, env(pipelineStart, { INPUT_SERVICEURL: downUrl }));
    assertSucceeded(run);
    const command = /##vso\[task\.addattachment type=containerMappingReport;name=([^;\]]+);?\](.+)/.exec(run.stdout);
    assert.ok(command, `no attachment command in:\n${run.stdout}`);
    assert.equal(command[1], `containerMapping-${job.jobId}-1.json`);
    const path = command[2]?.trim() ?? '';
    assert.ok(path.startsWith(job.tempDirectory), 'the report is written under Agent.TempDirectory');
    const attached = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    assert.ok(validateReport(attached), ajv.errorsText(validateReport.errors));
    assert.deepEqual(
      imagesIn(attached as Report, [repo]).map((i) => i.tag),
      ['1'],
    );
    assert.match(run.stdout, /##vso\[task\.logissue type=warning\].*not delivered.*attached/);
  });

  it("does not attach a release job's undelivered report, which backfill would never collect, and prints it in the log instead", async function () {
    const { repo, pipelineStart } = await startJobWithPush('release');
    const closed = await ReportReceiver.start();
    const downUrl = closed.url;
    await closed.close();

    const run = await runTask(
      dir,
      env(pipelineStart, {
        INPUT_SERVICEURL: downUrl,
        SYSTEM_HOSTTYPE: 'release',
        RELEASE_RELEASEID: '9',
        RELEASE_RELEASENAME: 'Release-9',
        RELEASE_DEFINITIONID: '3',
        RELEASE_DEFINITIONNAME: 'web deploy',
      }),
    );
    assertSucceeded(run);
    assert.doesNotMatch(run.stdout, /task\.addattachment/);
    assert.doesNotMatch(run.stdout, /for the service to collect/);
    assert.match(
      run.stdout,
      /##vso\[task\.logissue type=warning\].*not delivered.*backfill collects build attachments only.*printed in this step's log/,
    );
    const printed = /^Undelivered report \(send it to the service with POST \/api\/v1\/reports and an ingest token\): (\{.*\})$/m.exec(
      run.stdout,
    );
    assert.ok(printed?.[1], `no report in the log:\n${run.stdout}`);
    const report = JSON.parse(printed[1]) as unknown;
    assert.ok(validateReport(report), ajv.errorsText(validateReport.errors));
    assert.equal((report as Report).pipeline.hub, 'release');
    assert.equal((report as Report).pipeline.runId, 9);
    assert.deepEqual(
      imagesIn(report as Report, [repo]).map((i) => i.tag),
      ['1'],
    );
    assert.match(run.stdout, /##vso\[task\.complete result=SucceededWithIssues/);
  });

  it('sends the report again after the service answers 500, and is done when it answers 200', async function () {
    await receiver.close();
    receiver = await ReportReceiver.start([500, 200]);
    const { pipelineStart } = await startJobWithPush('retry');

    const run = await runTask(dir, env(pipelineStart));
    assertSucceeded(run);
    assert.equal(receiver.received.length, 2);
    const [a, b] = receiver.received.map((r) => r.body as Report);
    assert.equal(a?.idempotencyKey, b?.idempotencyKey);
    assert.doesNotMatch(run.stdout, /task\.addattachment/);
  });

  it('falls back to System.PipelineStartTime and the static token when Azure DevOps refuses', async function () {
    const repo = uniqueRepository('fallback');
    const { pipelineStart } = await startJob();
    devops.fail('timeline', 500);
    devops.fail('oidc', 'refuse');
    const reference = `${REGISTRY}/${repo}:1`;
    await build(reference, `fallback ${randomUUID()}`);
    await pushImage(reference);
    const staticToken = `static-${randomUUID()}`;

    const run = await runTask(dir, env(pipelineStart, { SECRET_CONTAINERMAPPING_TOKEN: staticToken }));
    assertSucceeded(run);
    const report = onlyReport(receiver);
    assert.equal(report.window.sinceSource, 'pipelineStartTime');
    assert.equal(report.window.since, new Date(pipelineStart).toISOString());
    assert.ok(report.warnings.some((w) => w.code === 'timeline-unavailable'));
    assert.equal(receiver.received[0]?.authorization, `Bearer ${staticToken}`);
    assertNeverPrinted(run, staticToken);
    assertNeverPrinted(run, job.accessToken);
  });

  it('reports images from buildx metadata files, marked as such', async function () {
    const { pipelineStart } = await startJob();
    const folder = join(job.tempDirectory, 'container-mapping');
    mkdirSync(folder);
    const digest = `sha256:${'ab'.repeat(32)}`;
    writeFileSync(
      join(folder, 'web.json'),
      JSON.stringify({
        'containerimage.digest': digest,
        'image.name': 'contoso.azurecr.io/web-api:1.4.2,contoso.azurecr.io/web-api:latest',
      }),
    );

    const run = await runTask(dir, env(pipelineStart, { INPUT_DOCKERHOST: `unix://${join(tmpdir(), `no-docker-${randomUUID()}.sock`)}` }));
    assertSucceeded(run);
    const report = onlyReport(receiver);
    assert.deepEqual(
      report.images.map((i) => [i.registry, i.repository, i.tag, i.digest, i.origin]),
      [
        ['contoso.azurecr.io', 'web-api', '1.4.2', digest, 'buildx-metadata'],
        ['contoso.azurecr.io', 'web-api', 'latest', digest, 'buildx-metadata'],
      ],
    );
  });

  for (const answerHeaders of [false, true]) {
    // When it ends, against its time limit, is a figure of `npm run bench:task`, not asserted here.
    it(`gives up and ends Succeeded by itself when the daemon ${answerHeaders ? 'starts an answer and never finishes it' : 'accepts connections and never answers'}`, async function () {
      const socket = join(tmpdir(), `hung-${randomUUID()}.sock`);
      const server = await hungDaemon(socket, answerHeaders);
      try {
        const { pipelineStart } = await startJob();
        const run = await runTask(dir, env(pipelineStart, { INPUT_DOCKERHOST: `unix://${socket}`, INPUT_TIMELIMITSECONDS: '4' }), 20000);
        assertSucceeded(run);
        assert.equal(run.signal, null);
        assert.match(run.stdout, answerHeaders ? /answer not complete within/ : /no answer within/);
        assert.equal(receiver.received.length, 0);
      } finally {
        server.close();
        if (existsSync(socket)) rmSync(socket);
      }
    });
  }
});
