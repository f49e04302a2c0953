/**
 * Builds the service's real Dockerfile on the real Docker engine for the image tests: first the stand-in base image
 * (scripts/stand-in-node-base.sh, only when the engine has no node:20-bookworm-slim), then `docker build` with the
 * classic builder, which uses the local base and never pulls. This machine's TLS-inspecting CA, when its system bundle
 * has one, is handed to the build stage through deploy/build-ca/ (see its README) and removed again after the build.
 */
import { execFile } from 'node:child_process';
import { copyFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { docker } from '../../support/docker';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** The tag the tests build; kept after the run so that the next build reuses its layers. */
export const TEST_IMAGE = 'container-mapping:deploy-test';
export const BASE_IMAGE = 'node:20-bookworm-slim';
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Runs a program with arguments (no shell), resolving with stdout; the error carries stderr. */
function run(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.slice(-4000) || err.message}`));
        else resolvePromise(stdout);
      },
    );
  });
}

/** Makes the stand-in base image unless the engine already has one under that name. */
export async function ensureBaseImage(): Promise<void> {
  await run(join(REPO_ROOT, 'scripts', 'stand-in-node-base.sh'), [BASE_IMAGE], 30 * 60_000);
}

/** Builds the repository's Dockerfile unchanged as {@link TEST_IMAGE}; returns how long it took (ms). */
export async function buildServiceImage(extraArgs: string[] = []): Promise<number> {
  const buildCa = join(REPO_ROOT, 'deploy', 'build-ca', 'extra-ca.crt');
  const handedIn = !(await exists(buildCa)) && (await exists(SYSTEM_CA_BUNDLE));
  if (handedIn) await copyFile(SYSTEM_CA_BUNDLE, buildCa);
  const started = Date.now();
  try {
    // The engine here has no bridge network: the build's RUN steps use the host's.
    await run('docker', ['build', '--network', 'host', ...extraArgs, '--tag', TEST_IMAGE, '--file', 'Dockerfile', '.'], 40 * 60_000, {
      DOCKER_BUILDKIT: '0',
    });
  } finally {
    if (handedIn) await rm(buildCa, { force: true });
  }
  return Date.now() - started;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `docker inspect` of one object, parsed. */
export async function inspect(kind: 'image' | 'container', name: string): Promise<Record<string, unknown>> {
  const parsed = JSON.parse(await docker([kind, 'inspect', name])) as Record<string, unknown>[];
  const first = parsed[0];
  if (!first) throw new Error(`docker ${kind} inspect ${name} returned nothing`);
  return first;
}

/** A loopback port free right now (the container listens on the host's network). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs the image once with `args` and returns its exit code, stdout and stderr (never throws on a non-zero exit). */
export function runOnce(dockerArgs: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile('docker', dockerArgs, { timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}
