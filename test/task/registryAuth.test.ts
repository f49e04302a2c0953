import { strict as assert } from 'node:assert';
import { findCredential, isLoopbackRegistry, parseChallenge, registryApiHost, tokenRealm } from '../../collector/registryAuth';

const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('Registry credentials and challenges', function () {
  const dockerConfig = JSON.stringify({
    auths: {
      'https://index.docker.io/v1/': { auth: auth('hub-user', 'hub-pass') },
      'registry.example:5000': { auth: auth('reg-user', 'p:ss') },
      'https://tokens.example/v1/': { identitytoken: 'refresh-me' },
    },
    credsStore: 'desktop',
  });
  const podmanAuth = JSON.stringify({
    auths: {
      'quay.example': { auth: auth('quay-all', 'x') },
      'quay.example/team': { auth: auth('quay-team', 'y') },
    },
  });

  const cases: { name: string; registry: string; repository: string; expected: unknown }[] = [
    {
      name: "Docker Hub under the CLI's own key",
      registry: 'docker.io',
      repository: 'library/nginx',
      expected: { kind: 'basic', username: 'hub-user', password: 'hub-pass' },
    },
    {
      name: 'a host with a port, a password holding a colon',
      registry: 'registry.example:5000',
      repository: 'a/b',
      expected: { kind: 'basic', username: 'reg-user', password: 'p:ss' },
    },
    { name: 'an identity token', registry: 'tokens.example', repository: 'a', expected: { kind: 'identity-token', token: 'refresh-me' } },
    {
      name: "Podman's longest namespace key",
      registry: 'quay.example',
      repository: 'team/app',
      expected: { kind: 'basic', username: 'quay-team', password: 'y' },
    },
    {
      name: "Podman's host key for another namespace",
      registry: 'quay.example',
      repository: 'teamwork/app',
      expected: { kind: 'basic', username: 'quay-all', password: 'x' },
    },
    { name: 'nothing for a registry without a login', registry: 'registry.example', repository: 'a', expected: undefined },
  ];
  for (const c of cases) {
    it(`finds ${c.name}`, function () {
      assert.deepEqual(findCredential(['not json', dockerConfig, podmanAuth], c.registry, c.repository), c.expected);
    });
  }

  it("asks Docker Hub's API host and treats loopback hosts as the engine does (plain HTTP allowed)", function () {
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('127.0.0.1:5000'), '127.0.0.1:5000');
    assert.deepEqual(['127.0.0.1:5000', 'localhost', '[::1]:5000', 'registry.example', '10.0.0.1:5000'].map(isLoopbackRegistry), [
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('parses a Bearer challenge and asks its realm for a pull token of the repository', function () {
    const challenge = parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:x:pull"');
    assert.deepEqual(challenge, {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:x:pull' },
    });
    assert.equal(
      tokenRealm(challenge!, 'team/app')?.toString(),
      'https://auth.example/token?service=registry.example&scope=repository%3Ateam%2Fapp%3Apull',
    );
  });

  it('sends no credentials to a token service over plain HTTP beyond loopback', function () {
    assert.equal(tokenRealm({ scheme: 'bearer', params: { realm: 'http://auth.example/token' } }, 'a'), undefined);
    assert.ok(tokenRealm({ scheme: 'bearer', params: { realm: 'http://127.0.0.1:5555/token' } }, 'a'));
    assert.equal(parseChallenge(undefined), undefined);
    assert.equal(parseChallenge('Basic realm="Registry"')?.scheme, 'basic');
  });
});
