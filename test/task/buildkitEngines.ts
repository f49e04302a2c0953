/**
 * The newer Docker engines (Debian unstable's, containerd and classic image stores) as this branch's
 * BuildKit tests reach them: the sockets and unpacked CLI that `scripts/services.sh` provides, with
 * the same environment overrides as the engine rig (`CM_TEST_DOCKER_CONTAINERD_SOCKET`,
 * `CM_TEST_DOCKER_CLASSIC_SOCKET`, `CM_NEWER_DOCKER_CACHE`). A missing engine fails the test with
 * what to do; never a skip. The buildx plugin is reached through a DOCKER_CONFIG of the test's own.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVICES_DIR = process.env.CM_SERVICES_DIR ?? '/tmp/container-mapping-services';
const NEWER_ROOT = join(
  process.env.CM_NEWER_DOCKER_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'container-mapping', 'docker-unstable'),
  'root',
);

/** One newer engine. */
export interface NewerEngine {
  label: string;
  socket: string;
  store: 'containerd' | 'classic';
}

const newer = (store: 'containerd' | 'classic'): NewerEngine => ({
  label: `newer Docker (Debian unstable), ${store} image store`,
  socket: process.env[`CM_TEST_DOCKER_${store.toUpperCase()}_SOCKET`] ?? join(SERVICES_DIR, 'newer-docker', store, 'docker.sock'),
  store,
});

export const NEWER_CONTAINERD = newer('containerd');
export const NEWER_CLASSIC = newer('classic');

/** `GET path` on a unix socket: status and body. */
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

/** Throws unless `engine` answers, naming how to start it. */
export async function requireNewerEngine(engine: NewerEngine): Promise<string> {
  const version = await socketGet(engine.socket, '/version');
  if (version.status !== 200) {
    throw new Error(`this test needs the ${engine.label} on ${engine.socket}: run scripts/services.sh start (as root)`);
  }
  return (JSON.parse(version.body) as { Version: string }).Version;
}

let config: string | undefined;
/** A DOCKER_CONFIG whose cli-plugins holds the unpacked buildx plugin. */
function dockerConfig(): string {
  if (!config) {
    config = mkdtempSync(join(tmpdir(), 'cm-buildx-config-'));
    mkdirSync(join(config, 'cli-plugins'));
    symlinkSync(join(NEWER_ROOT, 'usr', 'libexec', 'docker', 'cli-plugins', 'docker-buildx'), join(config, 'cli-plugins', 'docker-buildx'));
  }
  return config;
}

/** Runs the newer docker CLI (with buildx) against `engine`; resolves with stdout and stderr. */
export function newerDocker(engine: NewerEngine, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      join(NEWER_ROOT, 'usr', 'bin', 'docker'),
      args,
      {
        env: { ...process.env, DOCKER_HOST: `unix://${engine.socket}`, DOCKER_CONFIG: dockerConfig(), DOCKER_BUILDKIT: '1' },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${engine.label}: docker ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}
