import { strict as assert } from 'node:assert';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ReportSchema } from '../../common/report';
import { computeIdempotencyKey } from '../../common/idempotency';
import { buildReport, hubOf, IncompleteRunError, pipelineOf } from '../../tasks/ContainerMappingV1/buildReport';
import { describeImage } from '../../collector/report';
import { attachmentName } from '../../tasks/ContainerMappingV1/attachment';
import { environmentSource, readRunContext, type RunIdentity } from '../../tasks/ContainerMappingV1/settings';
import { leakedIn, personalData } from './personalData';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(ReportSchema);

const BUILD: RunIdentity = {
  collectionUri: 'https://dev.azure.com/contoso/',
  projectId: 'b5a0c3d2-0000-4000-8000-000000000001',
  projectName: 'Fabrikam Fiber',
  hostType: 'build',
  planId: 'plan',
  jobId: 'job-1',
  jobName: 'Build',
  jobDisplayName: 'Build image',
  jobAttempt: 2,
  stageDisplayName: 'Build stage',
  definitionId: 17,
  definitionName: 'web-api CI',
  buildId: 4711,
  buildNumber: '20261128.3',
  reason: 'IndividualCI',
  repositoryProvider: 'TfsGit',
  repositoryUri: 'https://dev.azure.com/contoso/_git/web',
  sourceVersion: 'abc',
  sourceBranch: 'refs/heads/main',
  agentName: 'Hosted Agent',
  agentOs: 'Linux',
  agentSelfHosted: false,
};

const PARTS = {
  collector: { name: 'ContainerMappingV1', version: '1.0.0', dockerApiVersion: '1.41' },
  window: { since: '2026-11-28T17:00:00.000Z', until: '2026-11-28T17:05:00.000Z', sinceSource: 'timeline' as const },
  images: [
    {
      digest: `sha256:${'e'.repeat(64)}`,
      registry: 'contoso.azurecr.io',
      repository: 'web-api',
      tag: '1.4.2',
      pushedAt: '2026-11-28T17:04:00.000Z',
      origin: 'docker-events' as const,
    },
  ],
  warnings: [],
};

describe('Report building', function () {
  it('keeps the schema limits: the first 1,000 images and 100 warnings, clipped, and says images were left out', function () {
    const image = PARTS.images[0]!;
    const images = Array.from({ length: 1001 }, (_, i) => ({ ...image, tag: `t${i}` }));
    const many = Array.from({ length: 99 }, (_, i) => ({ code: `c${i}`, message: 'm' }));
    const report = buildReport(BUILD, { ...PARTS, images, warnings: [{ code: 'x'.repeat(150), message: 'y'.repeat(3000) }, ...many] });
    assert.ok(validate(report), ajv.errorsText(validate.errors));
    assert.equal(report.images.length, 1000);
    assert.equal(report.images[999]?.tag, 't999');
    assert.equal(report.warnings.length, 100, 'no room for the truncation warning past 100');
    assert.deepEqual([report.warnings[0]?.code.length, report.warnings[0]?.message.length], [100, 2000]);
    const roomy = buildReport(BUILD, { ...PARTS, images, warnings: [] });
    assert.deepEqual(roomy.warnings, [{ code: 'images-truncated', message: '1001 images were pushed; the first 1000 are reported.' }]);
  });

  it('builds a report that the shared schema accepts, keyed to the job attempt', function () {
    const report = buildReport(BUILD, PARTS);
    assert.ok(validate(report), ajv.errorsText(validate.errors));
    assert.equal(
      report.idempotencyKey,
      computeIdempotencyKey({
        organizationUrl: BUILD.collectionUri ?? '',
        projectId: BUILD.projectId ?? '',
        hub: 'build',
        runId: 4711,
        jobId: 'job-1',
        jobAttempt: 2,
      }),
    );
    assert.equal(report.pipeline.runUrl, 'https://dev.azure.com/contoso/Fabrikam%20Fiber/_build/results?buildId=4711');
    assert.equal(report.pipeline.jobName, 'Build image');
    assert.equal(report.pipeline.stage, 'Build stage');
    assert.deepEqual(report.agent, { name: 'Hosted Agent', os: 'Linux', selfHosted: false });
    assert.equal(report.source.commit, 'abc');
  });

  it('carries nothing about the person who queued the run, although the agent sets their name, e-mail and id', function () {
    const personal = personalData();
    const env = {
      ...personal.env,
      SYSTEM_COLLECTIONURI: BUILD.collectionUri,
      SYSTEM_TEAMPROJECTID: BUILD.projectId,
      SYSTEM_TEAMPROJECT: BUILD.projectName,
      SYSTEM_HOSTTYPE: 'build',
      SYSTEM_JOBID: 'job-1',
      SYSTEM_DEFINITIONID: '17',
      BUILD_DEFINITIONNAME: BUILD.definitionName,
      BUILD_BUILDID: '4711',
      BUILD_BUILDNUMBER: BUILD.buildNumber,
      BUILD_SOURCEVERSION: BUILD.sourceVersion,
    };
    const report = buildReport(readRunContext(environmentSource(env), {}).run, PARTS);
    assert.ok(validate(report), ajv.errorsText(validate.errors));
    assert.deepEqual(leakedIn(JSON.stringify(report), personal), []);
  });

  it('identifies a classic release by its release variables', function () {
    const release: RunIdentity = {
      ...BUILD,
      hostType: 'release',
      buildId: undefined,
      releaseId: 9,
      releaseName: 'Release-9',
      releaseDefinitionId: 3,
      releaseDefinitionName: 'web deploy',
      releaseWebUrl: 'https://dev.azure.com/contoso/p/_release?releaseId=9',
    };
    const p = pipelineOf(release);
    assert.deepEqual(
      [p.hub, p.runId, p.runNumber, p.definitionId, p.definitionName, p.runUrl],
      ['release', 9, 'Release-9', 3, 'web deploy', 'https://dev.azure.com/contoso/p/_release?releaseId=9'],
    );
  });

  for (const [hostType, hub] of [
    ['build', 'build'],
    ['release', 'release'],
    ['deployment', 'release'],
  ] as const) {
    it(`reads System.HostType ${hostType} as the ${hub} hub`, function () {
      assert.equal(hubOf({ hostType }), hub);
    });
  }

  it('defaults the job attempt to 1', function () {
    assert.equal(pipelineOf({ ...BUILD, jobAttempt: undefined }).jobAttempt, 1);
  });

  it('names every missing identifying variable', function () {
    assert.throws(
      () => pipelineOf({ ...BUILD, collectionUri: undefined, buildId: undefined }),
      (err: unknown) => {
        assert.ok(err instanceof IncompleteRunError);
        assert.deepEqual(err.missing, ['System.CollectionUri', 'Build.BuildId']);
        return true;
      },
    );
  });

  it('clips long values to what the schema allows instead of being refused', function () {
    const report = buildReport(
      { ...BUILD, sourceBranch: `refs/heads/${'x'.repeat(2000)}` },
      { ...PARTS, warnings: Array.from({ length: 150 }, () => ({ code: 'w', message: 'm'.repeat(3000) })) },
    );
    assert.ok(validate(report), ajv.errorsText(validate.errors));
    assert.equal(report.warnings.length, 100);
  });

  it('describes an image as registry/repository:tag → digest', function () {
    assert.equal(describeImage(PARTS.images[0]!), `contoso.azurecr.io/web-api:1.4.2 → sha256:${'e'.repeat(64)}`);
  });

  it('names the attachment after the job and its attempt, in characters safe for a file name', function () {
    assert.equal(attachmentName('6a1e/x y', 3), 'containerMapping-6a1e_x_y-3.json');
  });
});
