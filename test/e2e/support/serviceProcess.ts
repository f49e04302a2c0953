/**
 * The mapping service as users run it: `node bin/container-mapping.js serve` in its own
 * process, configured through environment variables, stopped with SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
const CLI = resolve(ROOT, 'bin', 'container-mapping.js');

let built: Promise<void> | undefined;

/** Builds the service bundle once per test process (`npm start` does the same in prestart). */
export function buildService(): Promise<void> {
  built ??= new Promise((ok, fail) => {
    execFile(process.execPath, [resolve(ROOT, 'scripts', 'build-service.mjs')], { cwd: ROOT }, (err, _out, stderr) =>
      err ? fail(new Error(`building the service failed: ${stderr || err.message}`)) : ok(),
    );
  });
  return built;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/** A running service. */
export interface ServiceProcess {
  url: string;
  /** Everything it wrote to stderr (its log). */
  log(): string;
  /** Its exit code, or null while it runs. */
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** Starts `serve` on 127.0.0.1:`port` with `env`; resolves once it prints its URL. */
export async function startService(port: number, env: Record<string, string>): Promise<ServiceProcess> {
  await buildService();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const url = await new Promise<string>((ok, fail) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`the service did not start within 20 s: ${stderr}`)), 20_000);
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      const m = /listening on (\S+)/.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the service exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    log: () => stderr,
    exitCode: () => child.exitCode,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs the CLI (`container-mapping …`) to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
