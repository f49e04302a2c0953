import { strict as assert } from 'node:assert';
import { resolveDockerEndpoint, type DockerEndpoint } from '../../collector/dockerHost';

describe('Docker host resolution', function () {
  const cases: {
    name: string;
    explicit?: string;
    env?: Record<string, string>;
    platform?: string;
    expected: Partial<DockerEndpoint> & { kind: DockerEndpoint['kind'] };
  }[] = [
    { name: 'uses the default socket on Linux', expected: { kind: 'unix', socketPath: '/var/run/docker.sock' } },
    {
      name: 'uses the default named pipe on Windows',
      platform: 'win32',
      expected: { kind: 'npipe', socketPath: '\\\\.\\pipe\\docker_engine' },
    },
    {
      name: 'follows DOCKER_HOST with a unix socket',
      env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' },
      expected: { kind: 'unix', socketPath: '/run/user/1000/docker.sock' },
    },
    {
      name: 'prefers an explicit host over DOCKER_HOST',
      explicit: 'unix:///x.sock',
      env: { DOCKER_HOST: 'unix:///y.sock' },
      expected: { kind: 'unix', socketPath: '/x.sock' },
    },
    {
      name: 'reads a named pipe from DOCKER_HOST',
      env: { DOCKER_HOST: 'npipe:////./pipe/dockerDesktopLinuxEngine' },
      platform: 'win32',
      expected: { kind: 'npipe', socketPath: '\\\\.\\pipe\\dockerDesktopLinuxEngine' },
    },
    {
      name: 'reads tcp without TLS on port 2375 by default',
      env: { DOCKER_HOST: 'tcp://10.0.0.5' },
      expected: { kind: 'tcp', host: '10.0.0.5', port: 2375 },
    },
    {
      name: 'keeps an explicit tcp port',
      env: { DOCKER_HOST: 'tcp://127.0.0.1:12375' },
      expected: { kind: 'tcp', host: '127.0.0.1', port: 12375 },
    },
    {
      name: 'reads tcp with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as verified TLS on 2376',
      env: { DOCKER_HOST: 'tcp://docker.internal', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      expected: { kind: 'tcp', host: 'docker.internal', port: 2376, tls: { certPath: '/certs', verify: true } },
    },
    {
      name: 'takes the certificates from ~/.docker when DOCKER_CERT_PATH is not set',
      env: { DOCKER_HOST: 'tcp://docker.internal:2376', DOCKER_TLS_VERIFY: '1' },
      expected: { kind: 'tcp', host: 'docker.internal', port: 2376, tls: { certPath: '/home/vsts/.docker', verify: true } },
    },
    {
      name: 'reads DOCKER_TLS as TLS without verification',
      env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS: '1' },
      expected: { kind: 'tcp', host: 'h', port: 2376, tls: { certPath: '/home/vsts/.docker', verify: false } },
    },
    {
      name: 'reads a bracketed IPv6 tcp host',
      env: { DOCKER_HOST: 'tcp://[::1]:2375' },
      expected: { kind: 'tcp', host: '::1', port: 2375 },
    },
    { name: 'does not support ssh engines', env: { DOCKER_HOST: 'ssh://me@host' }, expected: { kind: 'unsupported' } },
    { name: 'does not accept an unknown scheme', explicit: 'fd://', expected: { kind: 'unsupported' } },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const endpoint = resolveDockerEndpoint({
        explicit: c.explicit,
        env: c.env ?? {},
        platform: c.platform ?? 'linux',
        homeDirectory: '/home/vsts',
      });
      const picked = Object.fromEntries(Object.keys(c.expected).map((k) => [k, (endpoint as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(picked, c.expected);
    });
  }
});
