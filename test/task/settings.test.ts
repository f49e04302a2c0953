import { strict as assert } from 'node:assert';
import {
  accessTokenOf,
  DEFAULT_TIME_LIMIT_SECONDS,
  environmentSource,
  readRunContext,
  variableEnvName,
} from '../../tasks/ContainerMappingV1/settings';

describe('Task settings', function () {
  describe('the service URL', function () {
    const cases: { name: string; env: Record<string, string>; defaults: { serviceUrl?: string }; expected: string | undefined }[] = [
      {
        name: 'comes from the task input first',
        env: { INPUT_SERVICEURL: 'https://input.test', CONTAINERMAPPING_SERVICEURL: 'https://variable.test' },
        defaults: { serviceUrl: 'https://baked.test' },
        expected: 'https://input.test',
      },
      {
        name: 'comes from the pipeline variable when there is no input',
        env: { CONTAINERMAPPING_SERVICEURL: 'https://variable.test/' },
        defaults: { serviceUrl: 'https://baked.test' },
        expected: 'https://variable.test',
      },
      {
        name: 'comes from defaults.json when neither is set',
        env: {},
        defaults: { serviceUrl: 'https://baked.test//' },
        expected: 'https://baked.test',
      },
      {
        name: 'skips blank values',
        env: { INPUT_SERVICEURL: '  ', CONTAINERMAPPING_SERVICEURL: '' },
        defaults: { serviceUrl: 'https://baked.test' },
        expected: 'https://baked.test',
      },
      { name: 'is absent when nothing sets it', env: {}, defaults: { serviceUrl: '' }, expected: undefined },
    ];
    for (const c of cases) {
      it(c.name, function () {
        assert.equal(readRunContext(environmentSource(c.env), c.defaults).serviceUrl, c.expected);
      });
    }
  });

  describe('the opt-out variable', function () {
    for (const [value, disabled] of [
      ['true', true],
      ['True', true],
      ['1', true],
      ['false', false],
      ['', false],
      ['no', false],
    ] as const) {
      it(`reads ContainerMapping.Disabled=${JSON.stringify(value)} as ${disabled ? 'opted out' : 'not opted out'}`, function () {
        assert.equal(readRunContext(environmentSource({ CONTAINERMAPPING_DISABLED: value }), {}).disabled, disabled);
      });
    }
  });

  describe('the time limit', function () {
    for (const [env, ms] of [
      [{}, DEFAULT_TIME_LIMIT_SECONDS * 1000],
      [{ INPUT_TIMELIMITSECONDS: '5' }, 5000],
      [{ CONTAINERMAPPING_TIMELIMITSECONDS: '7' }, 7000],
      [{ INPUT_TIMELIMITSECONDS: 'soon' }, DEFAULT_TIME_LIMIT_SECONDS * 1000],
      [{ INPUT_TIMELIMITSECONDS: '0' }, DEFAULT_TIME_LIMIT_SECONDS * 1000],
      [{ INPUT_TIMELIMITSECONDS: '100000' }, 600000],
    ] as const) {
      it(`is ${ms} ms given ${JSON.stringify(env)}`, function () {
        assert.equal(readRunContext(environmentSource(env), {}).timeLimitMs, ms);
      });
    }
  });

  it('prefers the dockerHost input over ContainerMapping.DockerHost', function () {
    const ctx = readRunContext(
      environmentSource({ INPUT_DOCKERHOST: 'unix:///a.sock', CONTAINERMAPPING_DOCKERHOST: 'unix:///b.sock' }),
      {},
    );
    assert.equal(ctx.dockerHost, 'unix:///a.sock');
    assert.equal(readRunContext(environmentSource({ CONTAINERMAPPING_DOCKERHOST: 'unix:///b.sock' }), {}).dockerHost, 'unix:///b.sock');
  });

  it('defaults the metadata folder to Agent.TempDirectory/container-mapping', function () {
    assert.equal(
      readRunContext(environmentSource({ AGENT_TEMPDIRECTORY: '/a/_temp' }), {}, 'linux').metadataFolder,
      '/a/_temp/container-mapping',
    );
    assert.equal(
      readRunContext(environmentSource({ AGENT_TEMPDIRECTORY: 'D:\\a\\_temp' }), {}, 'win32').metadataFolder,
      'D:\\a\\_temp\\container-mapping',
    );
    assert.equal(
      readRunContext(environmentSource({ AGENT_TEMPDIRECTORY: '/a/_temp', INPUT_METADATAFOLDER: '/meta' }), {}).metadataFolder,
      '/meta',
    );
  });

  it('reads the static token only from the secret variable, and the job token from the SystemVssConnection endpoint', function () {
    const ctx = readRunContext(
      environmentSource({
        CONTAINERMAPPING_TOKEN: 'not-a-secret',
        SECRET_CONTAINERMAPPING_TOKEN: 'secret-token',
        ENDPOINT_URL_SYSTEMVSSCONNECTION: 'https://dev.azure.com/contoso/',
        ENDPOINT_AUTH_SYSTEMVSSCONNECTION: JSON.stringify({ parameters: { AccessToken: 'job-token' }, scheme: 'OAuth' }),
      }),
      {},
    );
    assert.equal(ctx.staticToken, 'secret-token');
    assert.equal(ctx.jobToken, 'job-token');
    assert.equal(ctx.jobConnectionUrl, 'https://dev.azure.com/contoso/');
  });

  it("reads the run identity from the agent's variables", function () {
    const run = readRunContext(
      environmentSource({
        BUILD_BUILDID: '42',
        SYSTEM_JOBATTEMPT: '2',
        BUILD_REPOSITORY_ID: 'r1',
        AGENT_NAME: 'a1',
        BUILD_BUILDNUMBER: '20261128.3',
      }),
      {},
    ).run;
    assert.equal(run.buildId, 42);
    assert.equal(run.jobAttempt, 2);
    assert.equal(run.repositoryId, 'r1');
    assert.equal(run.buildNumber, '20261128.3');
  });

  describe('whether the agent is self-hosted', function () {
    // The agent sets Agent.IsSelfHosted ("1"/"0") for every job (azure-pipelines-agent, src/Agent.Worker/JobRunner.cs).
    for (const [env, expected] of [
      [{ AGENT_NAME: 'a1', AGENT_ISSELFHOSTED: '1' }, true],
      [{ AGENT_NAME: 'Hosted Agent', AGENT_ISSELFHOSTED: '0', AGENT_CLOUDID: 'cloud-1' }, false],
      [{ AGENT_NAME: 'a1', AGENT_ISSELFHOSTED: '0' }, false],
      [{ AGENT_NAME: 'a1', AGENT_ISSELFHOSTED: '1', AGENT_CLOUDID: 'cloud-1' }, true],
      [{ AGENT_NAME: 'a1', AGENT_ISSELFHOSTED: 'True' }, true],
      [{ AGENT_NAME: 'a1', AGENT_ISSELFHOSTED: 'false' }, false],
      [{ AGENT_NAME: 'a1' }, undefined],
      [{ AGENT_NAME: 'a1', AGENT_ISSELFHOSTED: 'maybe' }, undefined],
    ] as const) {
      it(`is ${String(expected)} given ${JSON.stringify(env)}`, function () {
        assert.equal(readRunContext(environmentSource(env), {}).run.agentSelfHosted, expected);
      });
    }
  });

  for (const [json, token] of [
    ['{"parameters":{"AccessToken":"t1"},"scheme":"OAuth"}', 't1'],
    ['{"parameters":{},"scheme":"OAuth"}', undefined],
    ['not json', undefined],
    [undefined, undefined],
  ] as const) {
    it(`finds the access token ${token ?? 'nowhere'} in ${JSON.stringify(json)}`, function () {
      assert.equal(accessTokenOf(json), token);
    });
  }

  for (const [name, env] of [
    ['Build.Repository.ID', 'BUILD_REPOSITORY_ID'],
    ['ContainerMapping.Disabled', 'CONTAINERMAPPING_DISABLED'],
    ['serviceUrl', 'SERVICEURL'],
  ] as const) {
    it(`spells ${name} as the environment variable ${env}`, function () {
      assert.equal(variableEnvName(name), env);
    });
  }
});
