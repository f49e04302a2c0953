/**
 * Runs one Node.js script as a CI agent or runner runs a step: a child process with exactly the
 * environment given, its output collected, killed after a limit. Shared by the task's and the
 * action's runners (test/task/runTask.ts, test/action/runAction.ts).
 */
import { spawn } from 'node:child_process';

/** How one run ended. */
export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run, for the benchmarks (`bench/task`); tests assert no timings. */
  elapsedMs: number;
}

/** Spawns `node <script>` in `cwd` with exactly `env`; kills it after `killAfterMs`. */
export function runNode(node: string, script: string, cwd: string, env: Record<string, string>, killAfterMs: number): Promise<NodeRun> {
  return new Promise((ok, fail) => {
    const started = Date.now();
    const child = spawn(node, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}
