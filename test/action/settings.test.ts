import assert from 'node:assert/strict';
import {
  DEFAULT_AUDIENCE,
  inputFromEnvironment,
  proxyFromEnvironment,
  readActionSettings,
  stateFromEnvironment,
} from '../../github-action/src/settings';
import { inputVariable } from './runAction';

const inputsOf = inputFromEnvironment;

describe('the action settings', () => {
  it('names input variables as core.getInput reads them: upper-cased, hyphens kept', () => {
    assert.equal(inputVariable('service-url'), 'INPUT_SERVICE-URL');
    assert.equal(inputVariable('time limit'), 'INPUT_TIME_LIMIT');
  });

  it("reads inputs and state by @actions/core's own rules, before core is loaded", async () => {
    const core = await import('@actions/core');
    const names = { 'INPUT_SERVICE-URL': '  https://a.example  ', INPUT_TIME_LIMIT: '7', STATE_windowStart: '123' };
    const saved = { ...process.env };
    try {
      Object.assign(process.env, names);
      const env = { ...process.env };
      for (const name of ['service-url', 'time limit', 'absent']) assert.equal(inputFromEnvironment(env)(name), core.getInput(name), name);
      for (const name of ['windowStart', 'absent']) assert.equal(stateFromEnvironment(env)(name), core.getState(name), name);
      assert.equal(inputFromEnvironment(env)('service-url'), 'https://a.example');
    } finally {
      for (const name of Object.keys(names)) if (!(name in saved)) delete process.env[name];
    }
  });

  it('reads every input, the default audience, and whether the job may ask for an OIDC token', () => {
    const env = {
      'INPUT_SERVICE-URL': ' https://mapping.contoso.com ',
      INPUT_TOKEN: 'cmt_static',
      'INPUT_DOCKER-HOST': 'tcp://127.0.0.1:2375',
      'INPUT_METADATA-FOLDER': '/tmp/meta',
      INPUT_DISABLED: 'false',
      INPUT_MATRIX: '{"os":"linux"}',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token?api-version=2.0',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runtime',
      RUNNER_TEMP: '/runner/_temp',
    };
    const settings = readActionSettings(inputsOf(env), env);
    assert.deepEqual(settings, {
      disabled: false,
      serviceUrl: 'https://mapping.contoso.com',
      staticToken: 'cmt_static',
      audience: DEFAULT_AUDIENCE,
      dockerHost: 'tcp://127.0.0.1:2375',
      metadataFolder: '/tmp/meta',
      timeLimitMs: 30_000,
      matrix: '{"os":"linux"}',
      canRequestIdToken: true,
      runnerTemp: '/runner/_temp',
    });
  });

  it('cannot ask for an OIDC token when either runner variable is missing (no id-token: write)', () => {
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token' };
    assert.equal(readActionSettings(inputsOf(env), env).canRequestIdToken, false);
  });

  it('is turned off by true, yes or 1 in any case, and by nothing else', () => {
    for (const [text, off] of [
      ['true', true],
      ['TRUE', true],
      ['yes', true],
      ['1', true],
      ['false', false],
      ['', false],
      ['no', false],
    ] as const) {
      const env = { INPUT_DISABLED: text };
      assert.equal(readActionSettings(inputsOf(env), env).disabled, off, text);
    }
  });

  it('bounds the time limit to 1–600 s and falls back to 30 s on nonsense', () => {
    const limit = (text: string) => readActionSettings(inputsOf({ 'INPUT_TIME-LIMIT-SECONDS': text }), {}).timeLimitMs;
    assert.equal(limit('45'), 45_000);
    assert.equal(limit('6000'), 600_000);
    assert.equal(limit('0'), 30_000);
    assert.equal(limit('soon'), 30_000);
  });

  it('takes the runner proxy for the service, its credentials apart, and no_proxy as bypass expressions', () => {
    const proxy = proxyFromEnvironment(
      { https_proxy: 'http://user:p%40ss@proxy.corp:3128', no_proxy: 'localhost,.internal.corp,mapping.example:8443' },
      'https://mapping.contoso.com',
    );
    assert.ok(proxy);
    assert.equal(proxy.url, 'http://proxy.corp:3128');
    assert.equal(proxy.username, 'user');
    assert.equal(proxy.password, 'p@ss');
    const bypassed = (url: string) => proxy.bypass.some((b) => new RegExp(b, 'i').test(new URL(url).href));
    assert.equal(bypassed('http://localhost:8080/api'), true);
    assert.equal(bypassed('https://svc.internal.corp/api'), true);
    assert.equal(bypassed('https://mapping.example:8443/api'), true);
    assert.equal(bypassed('https://mapping.example/api'), false);
    assert.equal(bypassed('https://mapping.contoso.com/api'), false);
    assert.equal(proxyFromEnvironment({ http_proxy: 'http://proxy:1' }, 'https://mapping.contoso.com'), undefined);
  });
});
