import { strict as assert } from 'node:assert';
import {
  environmentSource,
  proxyBypassList,
  readProxySettings,
  readRunContext,
  type ProxySettings,
} from '../../tasks/ContainerMappingV1/settings';
import { proxyAuthorization, proxyFor } from '../../collector/proxy';

describe("The agent's web proxy", function () {
  describe('is read from the variables the agent sets', function () {
    const cases: { name: string; env: Record<string, string>; expected: ProxySettings | undefined }[] = [
      {
        name: 'none when Agent.ProxyUrl is not set',
        env: { AGENT_PROXYUSERNAME: 'u', SECRET_AGENT_PROXYPASSWORD: 'p' },
        expected: undefined,
      },
      {
        name: 'the URL alone, without credentials',
        env: { AGENT_PROXYURL: 'http://proxy.corp:8080' },
        expected: { url: 'http://proxy.corp:8080', bypass: [] },
      },
      {
        name: 'the user name and the secret password',
        env: { AGENT_PROXYURL: 'http://proxy.corp:8080/', AGENT_PROXYUSERNAME: 'svc', SECRET_AGENT_PROXYPASSWORD: 's3cret' },
        expected: { url: 'http://proxy.corp:8080', username: 'svc', password: 's3cret', bypass: [] },
      },
      {
        name: 'the secret password before a plain variable of the same name',
        env: {
          AGENT_PROXYURL: 'http://proxy.corp',
          AGENT_PROXYUSERNAME: 'svc',
          SECRET_AGENT_PROXYPASSWORD: 'secret',
          AGENT_PROXYPASSWORD: 'plain',
        },
        expected: { url: 'http://proxy.corp', username: 'svc', password: 'secret', bypass: [] },
      },
      {
        name: 'the password from a plain variable, as task-lib also accepts it',
        env: { AGENT_PROXYURL: 'https://proxy.corp:3128', AGENT_PROXYUSERNAME: 'svc', AGENT_PROXYPASSWORD: 'plain' },
        expected: { url: 'https://proxy.corp:3128', username: 'svc', password: 'plain', bypass: [] },
      },
      {
        name: 'credentials written into the URL, never kept in it',
        env: { AGENT_PROXYURL: 'http://svc%40corp:p%3Ass@proxy.corp:8080' },
        expected: { url: 'http://proxy.corp:8080', username: 'svc@corp', password: 'p:ss', bypass: [] },
      },
      {
        name: 'the bypass list, a JSON array of regular expressions',
        env: { AGENT_PROXYURL: 'http://proxy.corp:8080', AGENT_PROXYBYPASSLIST: '["github\\\\.com","\\\\.internal\\\\.corp"]' },
        expected: { url: 'http://proxy.corp:8080', bypass: ['github\\.com', '\\.internal\\.corp'] },
      },
      { name: 'none when Agent.ProxyUrl is not a URL', env: { AGENT_PROXYURL: 'proxy.corp:8080 ' }, expected: undefined },
      { name: 'none when Agent.ProxyUrl is not http(s)', env: { AGENT_PROXYURL: 'socks5://proxy.corp:1080' }, expected: undefined },
    ];
    for (const c of cases) {
      it(c.name, function () {
        assert.deepEqual(readProxySettings(environmentSource(c.env)), c.expected);
      });
    }

    it('is part of the RunContext, and absent from it when there is no proxy', function () {
      assert.deepEqual(
        readRunContext(
          environmentSource({ AGENT_PROXYURL: 'http://proxy.corp:8080', AGENT_PROXYUSERNAME: 'svc', SECRET_AGENT_PROXYPASSWORD: 'pw' }),
          {},
        ).proxy,
        { url: 'http://proxy.corp:8080', username: 'svc', password: 'pw', bypass: [] },
      );
      assert.equal('proxy' in readRunContext(environmentSource({ SYSTEM_JOBID: 'j' }), {}), false);
    });
  });

  describe('bypass list', function () {
    const cases: [string | undefined, string[]][] = [
      [undefined, []],
      ['', []],
      ['not json', []],
      ['{"a":1}', []],
      ['["ok", 3, "", null]', ['ok']],
      ['["(unclosed", "fine\\\\.com"]', ['fine\\.com']],
    ];
    for (const [json, expected] of cases) {
      it(`keeps ${JSON.stringify(expected)} of ${JSON.stringify(json)}`, function () {
        assert.deepEqual(proxyBypassList(json), expected);
      });
    }
  });

  describe('decides which requests go through it', function () {
    const proxy: ProxySettings = {
      url: 'http://proxy.corp:8080',
      bypass: ['github\\.com', '^https://mapping\\.internal\\.corp(:\\d+)?/', '127\\.0\\.0\\.1:5999'],
    };
    const cases: [string, boolean][] = [
      ['https://dev.azure.com/contoso/_apis/build', true],
      ['https://mapping.internal.corp/api/v1/reports', false],
      ['https://MAPPING.internal.corp:8443/api/v1/reports', false],
      ['http://mapping.internal.corp/api/v1/reports', true],
      ['https://api.github.com/x', false],
      ['http://127.0.0.1:5999/api/v1/reports', false],
      // Loopback is not exempt unless the list says so.
      ['http://127.0.0.1:6000/api/v1/reports', true],
      ['http://localhost/api/v1/reports', true],
    ];
    for (const [url, through] of cases) {
      it(`sends ${url} ${through ? 'through the proxy' : 'directly'}`, function () {
        assert.equal(proxyFor(proxy, url) === proxy, through);
      });
    }

    it('sends everything directly when there is no proxy', function () {
      assert.equal(proxyFor(undefined, 'https://dev.azure.com/'), undefined);
    });
  });

  describe('credentials', function () {
    it('authenticates with Basic user:password when a user name is set', function () {
      assert.equal(
        proxyAuthorization({ url: 'http://p', username: 'svc', password: 'pw', bypass: [] }),
        `Basic ${Buffer.from('svc:pw').toString('base64')}`,
      );
      assert.equal(proxyAuthorization({ url: 'http://p', username: 'svc', bypass: [] }), `Basic ${Buffer.from('svc:').toString('base64')}`);
    });

    it('sends no Proxy-Authorization without a user name', function () {
      assert.equal(proxyAuthorization({ url: 'http://p', password: 'pw', bypass: [] }), undefined);
    });
  });
});
