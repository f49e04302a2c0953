/**
 * The collector's main flow (collection.ts) with every dependency stubbed: no engine, no
 * organisation, no service, no agent. The real-engine paths stay covered by
 * task.integration.test.ts and handlers.integration.test.ts, which run the built bundle.
 */
import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { reportLogLine, runCollection, type CollectorDependencies } from '../../tasks/ContainerMappingV1/collection';
import { deliverReport, type DeliveryResult } from '../../collector/deliver';
import type { Outcome } from '../../tasks/ContainerMappingV1/pipelineApi';
import type { Probe } from '../../tasks/ContainerMappingV1/probe';
import type { EngineEvent } from '../../collector/events';
import type { InspectedImage } from '../../collector/pushes';
import type { RegistryDigestResult } from '../../collector/registryDigest';
import type { ImageReference } from '../../common/imageReference';
import type { RunContext, RunIdentity } from '../../tasks/ContainerMappingV1/settings';
import type { Report } from '../../common/report';
import { REPORT_ATTACHMENT_TYPE } from '../../common/contract';

const NOW = Date.parse('2026-11-28T10:30:00.000Z');
const PIPELINE_START = '2026-11-28 10:00:00+00:00';
const JOB_START = '2026-11-28T10:05:00.000Z';
const IMAGE_ID = `sha256:${'a'.repeat(64)}`;
const DIGEST = `sha256:${'1'.repeat(64)}`;
const PUSHED = '127.0.0.1:5000/shop/app:1';

const JOB_TOKEN = 'job-token-6f1c0d';
const STATIC_TOKEN = 'static-token-9b2e77';
const OIDC_TOKEN = 'oidc-token-e4a5c1';
const PROXY_PASSWORD = 'proxy-password-31d8';

const BUILD_RUN: RunIdentity = {
  collectionUri: 'https://dev.azure.com/contoso/',
  projectId: 'project-1',
  projectName: 'Shop',
  hostType: 'build',
  planId: 'plan-1',
  jobId: 'job-1',
  jobAttempt: 1,
  pipelineStartTime: PIPELINE_START,
  definitionId: 7,
  definitionName: 'shop-ci',
  buildId: 42,
  buildNumber: '20261128.1',
  agentTempDirectory: '/agent/_temp',
};

const RELEASE_RUN: RunIdentity = {
  collectionUri: 'https://dev.azure.com/contoso/',
  projectId: 'project-1',
  projectName: 'Shop',
  hostType: 'release',
  planId: 'plan-2',
  jobId: 'job-2',
  jobAttempt: 1,
  pipelineStartTime: PIPELINE_START,
  releaseId: 5,
  releaseName: 'Release-5',
  releaseDefinitionId: 3,
  releaseDefinitionName: 'shop-deploy',
  agentTempDirectory: '/agent/_temp',
};

function seconds(iso: string, offset: number): number {
  return (Date.parse(iso) + offset * 1000) * 1e6;
}

/** A tag then a push of PUSHED, one and two minutes into the job. */
const PUSH_EVENTS: EngineEvent[] = [
  { type: 'image', action: 'tag', actorId: IMAGE_ID, attributes: { name: PUSHED }, timeNano: seconds(JOB_START, 60) },
  { type: 'image', action: 'push', actorId: PUSHED, attributes: {}, timeNano: seconds(JOB_START, 120) },
];

/** The engine's full buffer of 256 events, the oldest after the job's start, none a push. */
const FULL_BUFFER: EngineEvent[] = Array.from({ length: 256 }, (_, i) => ({
  type: 'container',
  action: 'start',
  actorId: `container-${i}`,
  attributes: {},
  timeNano: seconds(JOB_START, 600 + i),
}));

function context(overrides: Partial<RunContext> = {}): RunContext {
  return {
    disabled: false,
    serviceUrl: 'http://127.0.0.1:9',
    staticToken: STATIC_TOKEN,
    jobToken: JOB_TOKEN,
    jobConnectionUrl: 'https://dev.azure.com/contoso/',
    timeLimitMs: 30000,
    run: BUILD_RUN,
    ...overrides,
  };
}

function probe(runContext: RunContext, overrides: Partial<Probe> = {}): Probe {
  return {
    context: runContext,
    endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock', display: 'unix:///var/run/docker.sock' },
    engine: { serverVersion: '20.10.24', apiVersion: '1.41' },
    events: PUSH_EVENTS,
    eventsRead: true,
    probeSinceMs: Date.parse(PIPELINE_START.replace(' ', 'T')),
    untilMs: NOW,
    metadataFiles: [],
    deadlineMs: NOW + 30000,
    ...overrides,
  };
}

/** The stubs, typed as sinon stubs so that tests can both program and inspect them. */
interface Stubs {
  inspect: sinon.SinonStub<[string], Promise<InspectedImage | undefined>>;
  inspector: sinon.SinonStub;
  listTags: sinon.SinonStub<[string], Promise<string[]>>;
  repositoryTags: sinon.SinonStub;
  askRegistry: sinon.SinonStub<[ImageReference], Promise<RegistryDigestResult>>;
  registryDigest: sinon.SinonStub;
  jobStartTime: sinon.SinonStub;
  createOidcToken: sinon.SinonStub;
  deliverReport: sinon.SinonStub | sinon.SinonSpy;
  readMetadataFiles: sinon.SinonStub;
  writeFile: sinon.SinonStub;
  addAttachment: sinon.SinonStub;
  setSecret: sinon.SinonStub;
  setResult: sinon.SinonStub;
  info: sinon.SinonStub;
  warn: sinon.SinonStub;
}

const DELIVERED: DeliveryResult = { delivered: true, status: 201, attempts: 1, credential: 'oidc' };

function stubs(): Stubs {
  const inspect = sinon
    .stub<[string], Promise<InspectedImage | undefined>>()
    .resolves({ id: IMAGE_ID, repoDigests: [`127.0.0.1:5000/shop/app@${DIGEST}`] });
  const listTags = sinon.stub<[string], Promise<string[]>>().resolves([]);
  const askRegistry = sinon
    .stub<[ImageReference], Promise<RegistryDigestResult>>()
    .resolves({ ok: false, reason: 'no registry in this test' });
  return {
    inspect,
    inspector: sinon.stub().returns(inspect),
    listTags,
    repositoryTags: sinon.stub().returns(listTags),
    askRegistry,
    registryDigest: sinon.stub().returns(askRegistry),
    jobStartTime: sinon.stub().resolves({ ok: true, value: JOB_START } satisfies Outcome<string>),
    createOidcToken: sinon.stub().resolves({ ok: true, value: OIDC_TOKEN } satisfies Outcome<string>),
    deliverReport: sinon.stub().resolves(DELIVERED),
    readMetadataFiles: sinon.stub().returns([]),
    writeFile: sinon.stub().callsFake((folder: string | undefined, name: string) => `${folder ?? '/tmp'}/${name}`),
    addAttachment: sinon.stub(),
    setSecret: sinon.stub(),
    setResult: sinon.stub(),
    info: sinon.stub(),
    warn: sinon.stub(),
  };
}

function dependencies(s: Stubs): CollectorDependencies {
  return {
    inspector: s.inspector,
    repositoryTags: s.repositoryTags,
    registryDigest: s.registryDigest,
    jobStartTime: s.jobStartTime,
    createOidcToken: s.createOidcToken,
    deliverReport: s.deliverReport as CollectorDependencies['deliverReport'],
    readMetadataFiles: s.readMetadataFiles,
    writeFile: s.writeFile,
    addAttachment: s.addAttachment,
    agent: { setSecret: s.setSecret, setResult: s.setResult, info: s.info, warn: s.warn },
    now: () => Date.now(),
  };
}

/** Every line the step wrote: plain lines, warnings and the result's message. */
function output(s: Stubs): string[] {
  return [...s.info.args, ...s.warn.args, ...s.setResult.args].map((args) => args.map(String).join(' '));
}

/** The report handed to delivery. */
function deliveredReport(s: Stubs): Report {
  const options = s.deliverReport.firstCall?.args[0] as { body: string } | undefined;
  assert.ok(options, 'the report was not handed to delivery');
  return JSON.parse(options.body) as Report;
}

describe('Collector flow (dependencies stubbed)', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(function () {
    clock = sinon.useFakeTimers({ now: NOW, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(function () {
    clock.restore();
  });

  it("delivers the report with the job's OIDC token first and the static token after it, and attaches nothing", async function () {
    const s = stubs();
    await runCollection(probe(context()), dependencies(s));
    sinon.assert.calledOnceWithExactly(
      s.jobStartTime,
      sinon.match({ collectionUrl: 'https://dev.azure.com/contoso/', jobToken: JOB_TOKEN }),
      'project-1',
      42,
      'job-1',
    );
    sinon.assert.calledOnceWithExactly(s.createOidcToken, sinon.match({ jobToken: JOB_TOKEN }), 'project-1', 'build', 'plan-1', 'job-1');
    sinon.assert.calledOnce(s.deliverReport);
    const options = s.deliverReport.firstCall.args[0] as Parameters<typeof deliverReport>[0];
    assert.deepEqual(options.credentials, [
      { kind: 'oidc', token: OIDC_TOKEN },
      { kind: 'static', token: STATIC_TOKEN },
    ]);
    assert.equal(options.serviceUrl, 'http://127.0.0.1:9');
    assert.equal(options.deadlineMs, NOW + 30000 - 1000);
    const report = deliveredReport(s);
    assert.deepEqual(
      report.images.map((i) => [i.registry, i.repository, i.tag, i.digest]),
      [['127.0.0.1:5000', 'shop/app', '1', DIGEST]],
    );
    assert.deepEqual(report.window, { since: JOB_START, until: new Date(NOW).toISOString(), sinceSource: 'timeline' });
    assert.equal(report.collector.dockerServerVersion, '20.10.24');
    sinon.assert.calledWith(s.inspect, IMAGE_ID);
    sinon.assert.notCalled(s.writeFile);
    sinon.assert.notCalled(s.addAttachment);
    sinon.assert.notCalled(s.warn);
    sinon.assert.notCalled(s.setResult);
    assert.deepEqual(output(s), [`Mapped 1 pushed image to run 20261128.1: ${PUSHED} → ${DIGEST}.`]);
  });

  it("asks ahead for a push of an earlier job of the run too, reports only the job's own, and lets that unused lookup fail unheard", async function () {
    const s = stubs();
    const earlierImage = `sha256:${'c'.repeat(64)}`;
    const earlierPush = '127.0.0.1:5000/shop/earlier:1';
    // Pushed two minutes after the pipeline started, before this job's timeline start.
    const earlier: EngineEvent[] = [
      { type: 'image', action: 'tag', actorId: earlierImage, attributes: { name: earlierPush }, timeNano: seconds(JOB_START, -200) },
      { type: 'image', action: 'push', actorId: earlierPush, attributes: {}, timeNano: seconds(JOB_START, -180) },
    ];
    s.inspect.withArgs(earlierImage).rejects(new Error('the engine closed the connection'));
    await runCollection(probe(context(), { events: [...earlier, ...PUSH_EVENTS] }), dependencies(s));
    sinon.assert.calledWith(s.inspect, earlierImage);
    sinon.assert.calledWith(s.inspect, IMAGE_ID);
    sinon.assert.calledTwice(s.inspect);
    const report = deliveredReport(s);
    assert.deepEqual(
      report.images.map((i) => i.repository),
      ['shop/app'],
    );
    assert.deepEqual(report.warnings, []);
  });

  it("asks nothing ahead when the first look holds more than 20 pushes (earlier jobs of the run pushed there), and still resolves the job's own", async function () {
    const s = stubs();
    const earlier: EngineEvent[] = Array.from({ length: 20 }, (_, i) => ({
      type: 'image',
      action: 'push',
      actorId: `127.0.0.1:5000/shop/earlier:${i}`,
      attributes: {},
      timeNano: seconds(JOB_START, -200 + i),
    }));
    let timelineAnswers: (start: Outcome<string>) => void = () => undefined;
    s.jobStartTime.returns(new Promise<Outcome<string>>((resolve) => (timelineAnswers = resolve)));
    const done = runCollection(probe(context(), { events: [...earlier, ...PUSH_EVENTS] }), dependencies(s));
    await Promise.resolve();
    sinon.assert.notCalled(s.inspect);
    timelineAnswers({ ok: true, value: JOB_START });
    await done;
    sinon.assert.calledOnceWithExactly(s.inspect, IMAGE_ID);
    assert.deepEqual(
      deliveredReport(s).images.map((i) => i.repository),
      ['shop/app'],
    );
  });

  it('neither lists images nor asks a registry for a push whose image holds one digest in the repository', async function () {
    const s = stubs();
    await runCollection(probe(context()), dependencies(s));
    sinon.assert.notCalled(s.repositoryTags);
    sinon.assert.notCalled(s.askRegistry);
    assert.deepEqual(
      deliveredReport(s).images.map((i) => [i.tag, i.digest]),
      [['1', DIGEST]],
    );
  });

  it("resolves a push --all-tags through the engine's tags of that repository, and a Podman push through the registry, with no truncation warning on Podman (it keeps its whole events log)", async function () {
    const s = stubs();
    const other = `sha256:${'2'.repeat(64)}`;
    s.listTags.withArgs('127.0.0.1:5000/shop/app').resolves(['127.0.0.1:5000/shop/app:1', '127.0.0.1:5000/shop/app:2']);
    s.askRegistry.resolves({ ok: true, digest: other });
    const events: EngineEvent[] = [
      ...FULL_BUFFER,
      { type: 'image', action: 'push', actorId: '127.0.0.1:5000/shop/app', attributes: {}, timeNano: seconds(JOB_START, 900) },
      {
        type: 'image',
        action: 'push',
        actorId: 'b'.repeat(64),
        attributes: { name: '127.0.0.1:5000/shop/podman:1' },
        timeNano: seconds(JOB_START, 901),
      },
    ];
    await runCollection(probe(context(), { events, podman: true }), dependencies(s));
    sinon.assert.calledOnceWithExactly(s.listTags, '127.0.0.1:5000/shop/app');
    const report = deliveredReport(s);
    assert.deepEqual(
      report.images.map((i) => `${i.repository}:${i.tag} ${i.digest}`),
      [`shop/app:1 ${DIGEST}`, `shop/app:2 ${DIGEST}`, `shop/podman:1 ${other}`],
    );
    assert.deepEqual(
      s.askRegistry.args.map(([r]) => `${r.repository}:${r.tag}`),
      ['shop/podman:1'],
    );
    assert.deepEqual(report.warnings, []);
  });

  it('asks for the OIDC token, reads the timeline and looks up the pushed image at once, before any has answered, and uses that lookup once the window is known', async function () {
    const s = stubs();
    let answerTimeline: (outcome: Outcome<string>) => void = () => undefined;
    s.jobStartTime.returns(new Promise<Outcome<string>>((resolve) => (answerTimeline = resolve)));
    const running = runCollection(probe(context()), dependencies(s));
    await Promise.resolve();
    // The timeline has not answered; the token and the image are already being asked for: the three overlap.
    sinon.assert.calledOnce(s.jobStartTime);
    sinon.assert.calledOnce(s.createOidcToken);
    sinon.assert.calledOnceWithExactly(s.inspect, IMAGE_ID);
    sinon.assert.notCalled(s.deliverReport);
    answerTimeline({ ok: true, value: JOB_START });
    await running;
    sinon.assert.calledOnce(s.createOidcToken);
    // Not asked a second time: the early answer is the one reported.
    sinon.assert.calledOnce(s.inspect);
    const options = s.deliverReport.firstCall.args[0] as Parameters<typeof deliverReport>[0];
    assert.deepEqual(options.credentials?.[0], { kind: 'oidc', token: OIDC_TOKEN });
    assert.deepEqual(
      deliveredReport(s).images.map((i) => [i.repository, i.tag, i.digest]),
      [['shop/app', '1', DIGEST]],
    );
  });

  it('abandons the OIDC token asked for at once when the job turns out to have nothing to report', async function () {
    const s = stubs();
    let abandoned = false;
    s.createOidcToken.callsFake((options: { onStart?: (abandon: () => void) => void }) => {
      return new Promise<Outcome<string>>((resolve) => {
        options.onStart?.(() => {
          abandoned = true;
          resolve({ ok: false, reason: 'abandoned' });
        });
      });
    });
    // The push happened before this job's start (an earlier job of the pipeline on the same agent).
    s.jobStartTime.resolves({ ok: true, value: new Date(NOW - 1000).toISOString() } satisfies Outcome<string>);
    await runCollection(probe(context()), dependencies(s));
    sinon.assert.calledOnce(s.createOidcToken);
    assert.equal(abandoned, true, 'the speculative token request was left running');
    sinon.assert.notCalled(s.deliverReport);
    sinon.assert.calledWith(s.info, 'Nothing to report: no image was pushed in this job.');
  });

  it('attaches the report without asking for a token when no service URL is configured', async function () {
    const s = stubs();
    await runCollection(probe(context({ serviceUrl: undefined })), dependencies(s));
    sinon.assert.notCalled(s.deliverReport);
    sinon.assert.notCalled(s.createOidcToken);
    sinon.assert.calledOnceWithExactly(s.writeFile, '/agent/_temp', 'containerMapping-job-1-1.json', sinon.match.string);
    const written = JSON.parse(s.writeFile.firstCall.args[2] as string) as Report;
    assert.equal(written.images[0]?.digest, DIGEST);
    sinon.assert.calledOnceWithExactly(
      s.addAttachment,
      REPORT_ATTACHMENT_TYPE,
      'containerMapping-job-1-1.json',
      '/agent/_temp/containerMapping-job-1-1.json',
    );
    sinon.assert.calledOnceWithExactly(
      s.warn,
      'Container mapping: the report was not delivered (no service URL is configured (ContainerMapping.ServiceUrl)); it is attached to this run for the service to collect.',
    );
    sinon.assert.notCalled(s.setResult);
  });

  it('attaches the report the service refused, and the warning quotes the refusal', async function () {
    const s = stubs();
    s.deliverReport = sinon.stub().resolves({
      delivered: false,
      status: 400,
      problem: 'the service answered 400: images/0/digest is not a digest',
      attempts: 1,
      credential: 'oidc',
    } satisfies DeliveryResult);
    await runCollection(probe(context()), dependencies(s));
    sinon.assert.calledOnce(s.addAttachment);
    sinon.assert.calledOnceWithExactly(
      s.warn,
      'Container mapping: the report was not delivered (the service answered 400: images/0/digest is not a digest); it is attached to this run for the service to collect.',
    );
    sinon.assert.notCalled(s.setResult);
  });

  const attachmentFailures: { name: string; events: EngineEvent[]; fail: 'writeFile' | 'addAttachment'; withIssues: boolean }[] = [
    { name: 'the file cannot be written, with images', events: PUSH_EVENTS, fail: 'writeFile', withIssues: true },
    { name: 'the attachment command fails, with images', events: PUSH_EVENTS, fail: 'addAttachment', withIssues: true },
    {
      name: 'the attachment command fails, with no image (a truncated window)',
      events: FULL_BUFFER,
      fail: 'addAttachment',
      withIssues: false,
    },
  ];
  for (const row of attachmentFailures) {
    it(`ends SucceededWithIssues only when pushed images go unreported: ${row.name}`, async function () {
      const s = stubs();
      s.deliverReport = sinon
        .stub()
        .resolves({ delivered: false, problem: 'the service could not be reached (ECONNREFUSED)', attempts: 2 } satisfies DeliveryResult);
      s[row.fail].throws(new Error('EACCES: permission denied'));
      await runCollection(probe(context(), { events: row.events }), dependencies(s));
      sinon.assert.calledOnceWithExactly(
        s.warn,
        'Container mapping: the report was not delivered (the service could not be reached (ECONNREFUSED)) and could not be attached.',
      );
      if (row.withIssues) sinon.assert.calledOnceWithExactly(s.setResult, 'SucceededWithIssues', 'pushed images could not be reported');
      else sinon.assert.notCalled(s.setResult);
    });
  }

  it('reports nothing, and sends and attaches nothing, when the agent did not identify the run', async function () {
    const s = stubs();
    const run: RunIdentity = { ...BUILD_RUN, buildNumber: undefined };
    await runCollection(probe(context({ run })), dependencies(s));
    sinon.assert.notCalled(s.deliverReport);
    sinon.assert.notCalled(s.writeFile);
    sinon.assert.notCalled(s.addAttachment);
    sinon.assert.notCalled(s.warn);
    assert.deepEqual(output(s), ['Nothing reported: the agent did not set Build.BuildNumber.']);
  });

  it('reports a truncated window that holds no push, with its warning, so that the service knows pushes may be missing', async function () {
    const s = stubs();
    await runCollection(probe(context(), { events: FULL_BUFFER }), dependencies(s));
    sinon.assert.notCalled(s.inspector);
    const report = deliveredReport(s);
    assert.deepEqual(report.images, []);
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['events-truncated'],
    );
    assert.equal(s.info.firstCall.args[0], 'No pushed image found in run 20261128.1.');
  });

  it('reports an engine that started after the job did, with its warning, even when no push is left to see', async function () {
    const s = stubs();
    const started = Date.parse(JOB_START) + 300_000;
    await runCollection(probe(context(), { events: [], engineStartedMs: started }), dependencies(s));
    const report = deliveredReport(s);
    assert.deepEqual(report.images, []);
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['engine-restarted'],
    );
    assert.match(report.warnings[0]?.message ?? '', /started at 2026-11-28T10:10:00\.000Z, after the job started/);
    assert.match(output(s).join('\n'), /Note: The Docker engine started at/);
  });

  it('says nothing of an engine that started before the job, even after the pipeline did', async function () {
    const s = stubs();
    // Between the pipeline's start (10:00) and this job's (10:05): its events cover the whole job.
    await runCollection(probe(context(), { engineStartedMs: Date.parse(JOB_START) - 60_000 }), dependencies(s));
    assert.deepEqual(
      deliveredReport(s).warnings.map((w) => w.code),
      [],
    );
  });

  it("asks the image lookups with the engine's API version from the first look", async function () {
    const s = stubs();
    await runCollection(probe(context(), { engine: { serverVersion: '28.5.2', apiVersion: '1.51' } }), dependencies(s));
    sinon.assert.calledOnce(s.inspector);
    assert.equal(s.inspector.firstCall.args[2], '1.51');
  });

  it('reports nothing when the window is complete and nothing was pushed in the job', async function () {
    const s = stubs();
    // The push happened before the job started (the timeline's start): another job's.
    const earlier: EngineEvent[] = [{ type: 'image', action: 'push', actorId: PUSHED, attributes: {}, timeNano: seconds(JOB_START, -60) }];
    await runCollection(probe(context(), { events: earlier }), dependencies(s));
    sinon.assert.notCalled(s.deliverReport);
    sinon.assert.notCalled(s.addAttachment);
    assert.deepEqual(output(s), ['Nothing to report: no image was pushed in this job.']);
  });

  it("falls back to the pipeline's start time, with a warning in the report, when the timeline cannot be read", async function () {
    const s = stubs();
    s.jobStartTime.resolves({ ok: false, reason: 'HTTP 401' } satisfies Outcome<string>);
    await runCollection(probe(context()), dependencies(s));
    const report = deliveredReport(s);
    assert.deepEqual(report.window, {
      since: '2026-11-28T10:00:00.000Z',
      until: new Date(NOW).toISOString(),
      sinceSource: 'pipelineStartTime',
    });
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['timeline-unavailable'],
    );
  });

  it('attaches the report, sending nothing, when the time limit is reached before delivery', async function () {
    const s = stubs();
    // A timeline that answers late: 2.5 s of a 3 s limit are gone when the images are looked up.
    s.jobStartTime.callsFake(
      () => new Promise<Outcome<string>>((resolve) => setTimeout(() => resolve({ ok: true, value: JOB_START }), 2500)),
    );
    // The real delivery: it reads the (fake) clock and starts no attempt after its deadline.
    s.deliverReport = sinon.spy(deliverReport);
    const running = runCollection(probe(context(), { deadlineMs: NOW + 3000 }), dependencies(s));
    await clock.tickAsync(2500);
    await running;
    // Each budget is what is left before the deadline (less a margin), never more than its cap.
    assert.equal((s.jobStartTime.firstCall.args[0] as { timeoutMs: number }).timeoutMs, 2500);
    // The image was looked up ahead of the late timeline, with what was left then (3 s less the margin).
    assert.equal(s.inspector.firstCall.args[1], 2500);
    sinon.assert.calledOnce(s.inspector);
    assert.equal((s.deliverReport.firstCall.args[0] as { deadlineMs: number }).deadlineMs, NOW + 2000);
    assert.deepEqual(await (s.deliverReport.firstCall.returnValue as Promise<DeliveryResult>), {
      delivered: false,
      problem: 'no time left to send',
      attempts: 0,
    });
    sinon.assert.calledOnce(s.addAttachment);
    sinon.assert.calledOnceWithExactly(
      s.warn,
      'Container mapping: the report was not delivered (no time left to send); it is attached to this run for the service to collect.',
    );
  });

  it('says which credential the service accepted after it refused the OIDC token, without either token', async function () {
    const s = stubs();
    s.deliverReport = sinon.stub().resolves({
      delivered: true,
      status: 201,
      attempts: 2,
      credential: 'static',
      refused: { credential: 'oidc', status: 401 },
    } satisfies DeliveryResult);
    await runCollection(probe(context()), dependencies(s));
    assert.deepEqual(output(s), [
      `Mapped 1 pushed image to run 20261128.1: ${PUSHED} → ${DIGEST}.`,
      "The service refused the job's OIDC token (401) and accepted the static token (ContainerMapping.Token).",
    ]);
    sinon.assert.notCalled(s.addAttachment);
  });

  it('sends the static token alone when no OIDC token can be had, and says why no token was sent when there is neither', async function () {
    const s = stubs();
    s.createOidcToken.resolves({ ok: false, reason: 'HTTP 403' } satisfies Outcome<string>);
    await runCollection(probe(context()), dependencies(s));
    assert.deepEqual((s.deliverReport.firstCall.args[0] as { credentials: unknown }).credentials, [
      { kind: 'static', token: STATIC_TOKEN },
    ]);

    const t = stubs();
    t.createOidcToken.resolves({ ok: false, reason: 'HTTP 403' } satisfies Outcome<string>);
    t.deliverReport = sinon.stub().resolves({
      delivered: false,
      status: 401,
      problem: 'the service answered 401 (the service did not accept a request without a token)',
      attempts: 1,
    } satisfies DeliveryResult);
    await runCollection(probe(context({ staticToken: undefined })), dependencies(t));
    assert.deepEqual((t.deliverReport.firstCall.args[0] as { credentials: unknown }).credentials, []);
    sinon.assert.calledOnceWithExactly(
      t.warn,
      'Container mapping: the report was not delivered (the service answered 401 (the service did not accept a request without a token); no OIDC token (HTTP 403)); it is attached to this run for the service to collect.',
    );
  });

  it("prints a classic release job's undelivered report into the log instead of attaching it", async function () {
    const s = stubs();
    s.deliverReport = sinon
      .stub()
      .resolves({ delivered: false, problem: 'the service could not be reached (ECONNREFUSED)', attempts: 2 } satisfies DeliveryResult);
    await runCollection(probe(context({ run: RELEASE_RUN })), dependencies(s));
    // A release has no build timeline: the pipeline's start time is the window's.
    sinon.assert.notCalled(s.jobStartTime);
    sinon.assert.notCalled(s.writeFile);
    sinon.assert.notCalled(s.addAttachment);
    const prefix = 'Undelivered report (send it to the service with POST /api/v1/reports and an ingest token): ';
    const printed = s.info.args.map((args) => String(args[0])).filter((line) => line.startsWith(prefix));
    assert.equal(printed.length, 1);
    const report = JSON.parse((printed[0] ?? '').slice(prefix.length)) as Report;
    assert.deepEqual(report, deliveredReport(s));
    assert.equal(report.pipeline.hub, 'release');
    sinon.assert.calledOnceWithMatch(s.warn, "The report is printed in this step's log and kept nowhere else.");
    sinon.assert.calledOnceWithExactly(s.setResult, 'SucceededWithIssues', 'pushed images could not be reported');
  });

  it('prints a report no agent reads as a command, and that parses back to the same report', async function () {
    const s = stubs();
    await runCollection(probe(context({ run: RELEASE_RUN })), dependencies(s));
    const report = deliveredReport(s);
    const hostile: Report = {
      ...report,
      pipeline: { ...report.pipeline, definitionName: 'deploy ##vso[task.setvariable variable=x]y ##[group]z \\##vso[' },
    };
    const line = reportLogLine(hostile);
    assert.doesNotMatch(line, /##vso\[|##\[/);
    assert.deepEqual(JSON.parse(line), hostile);
  });

  const secretScenarios: { name: string; run: RunIdentity; delivery: DeliveryResult; attachFails: boolean }[] = [
    {
      name: 'delivered after a refused OIDC token',
      run: BUILD_RUN,
      delivery: { delivered: true, status: 201, attempts: 2, credential: 'static', refused: { credential: 'oidc', status: 401 } },
      attachFails: false,
    },
    {
      name: 'not delivered and not attached',
      run: BUILD_RUN,
      delivery: {
        delivered: false,
        status: 403,
        problem: 'the service answered 403 (the service did not accept the static token (ContainerMapping.Token))',
        attempts: 2,
        credential: 'static',
      },
      attachFails: true,
    },
    {
      name: "a release's report printed into the log",
      run: RELEASE_RUN,
      delivery: { delivered: false, problem: 'the service could not be reached (ETIMEDOUT)', attempts: 2 },
      attachFails: false,
    },
  ];
  for (const row of secretScenarios) {
    it(`masks every token and prints none of them: ${row.name}`, async function () {
      const s = stubs();
      s.deliverReport = sinon.stub().resolves(row.delivery);
      if (row.attachFails) s.addAttachment.throws(new Error('EACCES'));
      const proxy = { url: 'http://127.0.0.1:3128', username: 'builder', password: PROXY_PASSWORD, bypass: [] };
      await runCollection(probe(context({ run: row.run, proxy })), dependencies(s));
      const masked = s.setSecret.args.map((args) => args[0] as string).sort();
      assert.deepEqual(masked, [JOB_TOKEN, OIDC_TOKEN, PROXY_PASSWORD, STATIC_TOKEN].sort());
      // Each value masked before anything was written.
      for (const call of s.setSecret.getCalls()) {
        for (const line of [...s.info.getCalls(), ...s.warn.getCalls()]) assert.ok(call.calledBefore(line));
      }
      const lines = output(s);
      assert.ok(lines.length > 0);
      for (const line of lines) {
        for (const secret of [JOB_TOKEN, STATIC_TOKEN, OIDC_TOKEN, PROXY_PASSWORD])
          assert.ok(!line.includes(secret), `printed a token: ${line}`);
      }
    });
  }
});
