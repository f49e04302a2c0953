/**
 * Which Docker engine to ask, decided the way the docker CLI decides it:
 * an explicit host (task input or `ContainerMapping.DockerHost`), else `DOCKER_HOST`
 * (with `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH` for tcp), else the platform's default socket.
 */

/** Where the engine listens. */
export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string; display: string }
  | { kind: 'npipe'; socketPath: string; display: string }
  | { kind: 'tcp'; host: string; port: number; tls?: DockerTls; display: string }
  | { kind: 'unsupported'; display: string; reason: string };

/** TLS settings for a tcp engine: the three PEM files in `certPath`. */
export interface DockerTls {
  certPath: string;
  /** Verify the engine's certificate against `ca.pem` (DOCKER_TLS_VERIFY). */
  verify: boolean;
}

/** What `resolveDockerEndpoint` looks at. */
export interface DockerHostInputs {
  explicit?: string;
  env: Record<string, string | undefined>;
  platform: string;
  homeDirectory: string;
}

const DEFAULT_UNIX = 'unix:///var/run/docker.sock';
const DEFAULT_NPIPE = 'npipe:////./pipe/docker_engine';

/** Picks the engine endpoint. Pure. */
export function resolveDockerEndpoint(inputs: DockerHostInputs): DockerEndpoint {
  const fromEnv = inputs.env.DOCKER_HOST?.trim();
  const host = inputs.explicit?.trim() || fromEnv || (inputs.platform === 'win32' ? DEFAULT_NPIPE : DEFAULT_UNIX);
  return parseDockerHost(host, inputs);
}

function parseDockerHost(host: string, inputs: DockerHostInputs): DockerEndpoint {
  const display = host;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath) return { kind: 'unsupported', display, reason: 'unix:// without a socket path' };
    return { kind: 'unix', socketPath, display };
  }
  if (host.startsWith('npipe://')) {
    // npipe:////./pipe/docker_engine → \\.\pipe\docker_engine
    const rest = host.slice('npipe://'.length).replace(/\//g, '\\');
    const socketPath = rest.startsWith('\\\\') ? rest : `\\\\${rest.replace(/^\\+/, '')}`;
    return { kind: 'npipe', socketPath, display };
  }
  if (host.startsWith('tcp://') || host.startsWith('http://') || host.startsWith('https://')) {
    let url: URL;
    try {
      url = new URL(host.startsWith('tcp://') ? `http://${host.slice('tcp://'.length)}` : host);
    } catch {
      return { kind: 'unsupported', display, reason: 'not a valid tcp address' };
    }
    const tlsVerify = nonEmpty(inputs.env.DOCKER_TLS_VERIFY);
    const tlsWanted = tlsVerify || nonEmpty(inputs.env.DOCKER_TLS) || host.startsWith('https://');
    const port = url.port ? Number(url.port) : tlsWanted ? 2376 : 2375;
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const endpoint: DockerEndpoint = { kind: 'tcp', host: hostname, port, display };
    if (tlsWanted) {
      const certPath = inputs.env.DOCKER_CERT_PATH?.trim() || joinHome(inputs.homeDirectory, '.docker', inputs.platform);
      endpoint.tls = { certPath, verify: tlsVerify };
    }
    return endpoint;
  }
  if (host.startsWith('ssh://')) {
    return { kind: 'unsupported', display, reason: 'ssh:// engines are not supported; forward the socket and use unix://' };
  }
  if (host.startsWith('/')) return { kind: 'unix', socketPath: host, display };
  return { kind: 'unsupported', display, reason: 'unknown scheme (use unix://, tcp:// or npipe://)' };
}

function nonEmpty(value: string | undefined): boolean {
  // The docker CLI treats any non-empty DOCKER_TLS_VERIFY as "on".
  return value !== undefined && value.trim() !== '';
}

function joinHome(home: string, name: string, platform: string): string {
  return `${home.replace(/[\\/]+$/, '')}${platform === 'win32' ? '\\' : '/'}${name}`;
}
