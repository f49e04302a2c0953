/**
 * One whole `node <args>` process under time(1), as `npm run bench:task` and
 * `bench:task:profile` time the task and the floor (`node -e 0`) alike: wall time measured from
 * here, from spawn to exit; CPU times, minor page faults and peak RSS as the kernel accounted them.
 */
import { spawn } from 'node:child_process';

const TIME = '/usr/bin/time';

/** What one run cost. */
export interface TimedRun {
  wallMs: number;
  /** User CPU time, all threads (time(1): 10 ms resolution). */
  userMs: number;
  /** System CPU time, all threads (time(1): 10 ms resolution). */
  sysMs: number;
  /** User + system: far less sensitive than wall time to other processes on the machine. */
  cpuMs: number;
  minorFaults: number;
  maxRssKiB: number;
}

/** Spawns `node <args>` under time(1) with `env` (and nothing inherited); rejects when it does not exit 0. */
export function timedRun(args: string[], env: Record<string, string>): Promise<TimedRun> {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', 'CMTIME %U %S %R %M', process.execPath, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const m = /CMTIME ([\d.]+) ([\d.]+) (\d+) (\d+)/.exec(stderr);
      if (code !== 0 || !m) {
        fail(new Error(`run failed (${code}): ${stderr.slice(-500)}`));
        return;
      }
      const userMs = Number(m[1]) * 1000;
      const sysMs = Number(m[2]) * 1000;
      ok({ wallMs, userMs, sysMs, cpuMs: userMs + sysMs, minorFaults: Number(m[3]), maxRssKiB: Number(m[4]) });
    });
  });
}
