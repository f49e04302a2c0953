/**
 * Podman for the tests: its CLI (build and push, as a pipeline using Podman would) and its
 * Docker-compatible API socket (what the task reaches through DOCKER_HOST on an agent with
 * `podman-docker`). The only place tests find Podman's socket: the one `scripts/services.sh`
 * starts, or one of this process's own when that does not answer.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './waitFor';
import { PODMAN } from './engines';

/** Runs the podman CLI with arguments (never a shell string); resolves with stdout. */
export function podman(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`podman ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

function pings(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

let service: ChildProcess | undefined;
let started: Promise<string> | undefined;

/**
 * The socket of Podman's Docker-compatible API: the rig's (`scripts/services.sh`, or
 * `CM_TEST_PODMAN_SOCKET`; see engines.ts) when it answers, else
 * a `podman system service` this test process starts on its own socket (and stops when it
 * exits). Throws a clear error when Podman is not installed (never a skip).
 */
export function podmanSocket(): Promise<string> {
  started ??= (async () => {
    if (await pings(PODMAN.socket)) return PODMAN.socket;
    const socket = join(tmpdir(), `cm-test-podman-${process.pid}.sock`);
    try {
      await podman(['--version']);
    } catch (err) {
      throw new Error(`this test needs Podman (apt-get install podman; Debian 12 ships 4.3): ${(err as Error).message}`);
    }
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
    // Not a reason for the test process to stay: it stops the service as it exits.
    service.unref();
    process.once('exit', () => service?.kill());
    await waitFor('Podman to answer on its socket', async () => existsSync(socket) && (await pings(socket)), 30_000);
    return socket;
  })();
  return started;
}
