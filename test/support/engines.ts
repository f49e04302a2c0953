/**
 * The container engines the tests run against, in one place: Debian 12's Docker 20.10 (the system's
 * dockerd), the newer Docker from Debian unstable with the containerd image store and with the classic
 * store, and Podman's Docker-compatible API. `scripts/services.sh start` starts them (the paths below
 * follow it); `requireEngine()` makes a test fail, never skip, when one is missing, with the reason the
 * script wrote. `engineCli()` runs the docker CLI that belongs with each (the newer engine's own CLI and
 * buildx plugin, through a DOCKER_CONFIG of its own, so the system's CLI configuration is left alone).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_SOCKET } from './services';
import { waitFor } from './waitFor';

/** Where `scripts/services.sh` keeps its state (sockets, logs): `CM_SERVICES_DIR`. */
export const SERVICES_DIR = process.env.CM_SERVICES_DIR ?? '/tmp/container-mapping-services';
/** Where it unpacks Debian unstable's docker.io, docker-cli, containerd and docker-buildx. */
export const NEWER_DOCKER_ROOT = join(
  process.env.CM_NEWER_DOCKER_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'container-mapping', 'docker-unstable'),
  'root',
);
const NEWER_STATE = join(SERVICES_DIR, 'newer-docker');

/** One engine the tests can reach. */
export interface TestEngine {
  /** For test titles: `Docker 20.10 (Debian 12)`, `newer Docker, containerd store`, … */
  readonly label: string;
  /** Its Engine API socket. */
  readonly socket: string;
  /** The docker CLI that goes with it. */
  readonly cli: string;
  /** DOCKER_CONFIG for that CLI (the newer engine's holds the buildx plugin), or undefined for the user's own. */
  readonly dockerConfig?: string;
  /** The image store: `containerd` (image Id = the index digest) or `classic` (graph drivers). */
  readonly store: 'classic' | 'containerd' | 'podman';
  /** Where services.sh writes why it could not start it. */
  readonly problemFile?: string;
}

const newer = (store: 'containerd' | 'classic', label: string): TestEngine => ({
  label,
  socket: process.env[`CM_TEST_DOCKER_${store.toUpperCase()}_SOCKET`] ?? join(NEWER_STATE, store, 'docker.sock'),
  cli: join(NEWER_DOCKER_ROOT, 'usr', 'bin', 'docker'),
  dockerConfig: join(NEWER_STATE, 'cli-config'),
  store,
  problemFile: join(NEWER_STATE, store, 'problem'),
});

/** Debian 12's Docker 20.10 (the system's dockerd). */
export const DEBIAN_DOCKER: TestEngine = { label: 'Docker 20.10 (Debian 12)', socket: DOCKER_SOCKET, cli: 'docker', store: 'classic' };
/** Debian unstable's Docker (28.5 today) with the containerd image store (`containerd-snapshotter: true`). */
export const NEWER_DOCKER_CONTAINERD = newer('containerd', 'newer Docker (Debian unstable), containerd image store');
/** The same engine with the classic image store. */
export const NEWER_DOCKER_CLASSIC = newer('classic', 'newer Docker (Debian unstable), classic image store');
/** Podman's Docker-compatible API (Debian 12's podman system service). */
export const PODMAN: TestEngine = {
  label: 'Podman (Debian 12)',
  socket: process.env.CM_TEST_PODMAN_SOCKET ?? join(SERVICES_DIR, 'podman', 'podman.sock'),
  cli: 'docker',
  store: 'podman',
  problemFile: join(SERVICES_DIR, 'podman', 'problem'),
};

/**
 * Podman whose events go to journald (`events_logger = "journald"` in the containers.conf of
 * `PODMAN_JOURNALD_CONF`, which the podman CLI of a test must use too: the process that pushes
 * writes the event). services.sh starts journald for it when the machine runs none.
 */
export const PODMAN_JOURNALD: TestEngine = {
  label: 'Podman (Debian 12), journald events backend',
  socket: process.env.CM_TEST_PODMAN_JOURNALD_SOCKET ?? join(SERVICES_DIR, 'podman-journald', 'podman.sock'),
  cli: 'docker',
  store: 'podman',
  problemFile: join(SERVICES_DIR, 'podman-journald', 'problem'),
};
/** The containers.conf that selects the journald events backend, for `CONTAINERS_CONF`. */
export const PODMAN_JOURNALD_CONF = join(SERVICES_DIR, 'podman-journald', 'containers.conf');

/** The newer engine on both stores, for scenarios that must hold on each. */
export const NEWER_DOCKERS: readonly TestEngine[] = [NEWER_DOCKER_CONTAINERD, NEWER_DOCKER_CLASSIC];

function ping(socketPath: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 3000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, headers: {} }));
    req.end();
  });
}

/**
 * Throws unless `engine` answers `/_ping`: with the reason services.sh recorded under CI (where the
 * script ran just before), and with what to run otherwise. Never a skip.
 */
export async function requireEngine(engine: TestEngine): Promise<void> {
  if ((await ping(engine.socket)).status === 200) {
    if (engine.cli !== 'docker' && !existsSync(engine.cli))
      throw new Error(`${engine.label}: its docker CLI ${engine.cli} is missing: run scripts/services.sh start`);
    return;
  }
  let reason = '';
  try {
    if (engine.problemFile) reason = readFileSync(engine.problemFile, 'utf8').trim();
  } catch {
    reason = '';
  }
  const where = `this test needs ${engine.label} on ${engine.socket}`;
  if (process.env.CI === 'true') throw new Error(`${where}: ${reason || 'scripts/services.sh start did not say why it is missing'}`);
  throw new Error(`${where}: run scripts/services.sh start (as root)${reason ? `; last time it said: ${reason}` : ''}`);
}

/** The environment for `engine`'s CLI: its socket, and its own configuration folder when it has one. */
export function engineEnvironment(engine: TestEngine, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${engine.socket}` };
  if (engine.dockerConfig) env.DOCKER_CONFIG = engine.dockerConfig;
  return { ...env, ...extra };
}

/** Runs `engine`'s docker CLI with arguments (never a shell string); resolves with stdout. */
export function engineCli(engine: TestEngine, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      engine.cli,
      args,
      { env: engineEnvironment(engine, extra), maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${engine.label}: docker ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * A DOCKER_CONFIG of a test's own with the newer engine's buildx plugin in it, for a test that
 * changes the CLI's configuration (`docker buildx create --use`, a login) without touching the
 * one every other test shares. Pass it as `{ DOCKER_CONFIG }` to `engineCli`; remove it after.
 */
export async function privateDockerConfig(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-docker-config-'));
  mkdirSync(join(dir, 'cli-plugins'));
  symlinkSync(
    join(NEWER_DOCKER_ROOT, 'usr', 'libexec', 'docker', 'cli-plugins', 'docker-buildx'),
    join(dir, 'cli-plugins', 'docker-buildx'),
  );
  return dir;
}

/** `GET path` on a unix socket: status and body (status 0 when nothing answers). */
export function socketGet(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** The engine's `/version` answer (Version, ApiVersion, MinAPIVersion, Components). */
export function engineVersion(engine: TestEngine): Promise<{ Version: string; ApiVersion: string; MinAPIVersion: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: engine.socket, path: '/version', method: 'GET', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text) as { Version: string; ApiVersion: string; MinAPIVersion: string });
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${engine.label}: /version timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The registry's manifest for `repository:reference` on `registry`, with its `Docker-Content-Digest`. */
export function registryManifest(
  registry: string,
  repository: string,
  reference: string,
): Promise<{
  digest: string;
  mediaType: string;
  manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>;
}> {
  const [host, port] = registry.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port ?? 80),
        method: 'GET',
        path: `/v2/${repository}/manifests/${reference}`,
        headers: {
          Accept: [
            'application/vnd.oci.image.index.v1+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.v2+json',
          ].join(', '),
        },
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const digest = res.headers['docker-content-digest'];
          if (res.statusCode !== 200 || typeof digest !== 'string') {
            reject(new Error(`registry ${registry} answered ${res.statusCode} for ${repository}:${reference}`));
            return;
          }
          const body = JSON.parse(text) as {
            mediaType?: string;
            manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>;
          };
          resolve({
            digest,
            mediaType: body.mediaType ?? String(res.headers['content-type']),
            ...(body.manifests ? { manifests: body.manifests } : {}),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('registry timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A dockerd of the newer engine that a test owns (its own folder, socket and containerd), to stop and start at will. */
export class PrivateEngine {
  private process: ChildProcess | undefined;
  private constructor(readonly directory: string) {}

  /** The engine's socket. */
  get socket(): string {
    return join(this.directory, 'docker.sock');
  }

  /** Creates the folder; `start()` starts the engine (root only, like services.sh). */
  static async create(): Promise<PrivateEngine> {
    // Short: the managed containerd's socket lives under the exec root, and unix socket paths are limited to 108 bytes.
    return new PrivateEngine(await mkdtemp('/tmp/cm-engine-'));
  }

  /** Starts dockerd (classic store) and waits until it answers `/_ping`. */
  async start(): Promise<void> {
    const dockerd = join(NEWER_DOCKER_ROOT, 'usr', 'sbin', 'dockerd');
    if (!existsSync(dockerd))
      throw new Error(`this test needs Debian unstable's dockerd at ${dockerd}: run scripts/services.sh start (as root)`);
    for (const sub of ['data', 'exec']) mkdirSync(join(this.directory, sub), { recursive: true });
    writeFileSync(join(this.directory, 'daemon.json'), '{"features":{"containerd-snapshotter":false}}\n');
    const log = openSync(join(this.directory, 'dockerd.log'), 'a');
    const name = this.directory.split('/').pop() ?? 'cm-engine';
    this.process = spawn(
      dockerd,
      [
        '--config-file',
        join(this.directory, 'daemon.json'),
        '--host',
        `unix://${this.socket}`,
        '--data-root',
        join(this.directory, 'data'),
        '--exec-root',
        join(this.directory, 'exec'),
        '--pidfile',
        join(this.directory, 'docker.pid'),
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
        '--containerd-namespace',
        name,
        '--containerd-plugins-namespace',
        `${name}-plugins`,
      ],
      {
        env: {
          ...process.env,
          PATH: `${join(NEWER_DOCKER_ROOT, 'usr', 'bin')}:${join(NEWER_DOCKER_ROOT, 'usr', 'sbin')}:${process.env.PATH ?? ''}`,
        },
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    await waitFor(`the test's own dockerd to answer on ${this.socket}`, async () => (await ping(this.socket)).status === 200, 30_000);
  }

  /** Stops dockerd (SIGTERM, as `systemctl stop docker` does) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** Stops it and removes its folder. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.directory, { recursive: true, force: true });
  }
}
