/**
 * `npm run bench:task:profile`: where the push path's time goes. Pushes `PROFILE_PUSHES` images
 * (default 5) in one job's window, then runs the packaged task (from the `.vsix`) against them
 * `PROFILE_RUNS` times (default 5) with `node --cpu-prof`, the Azure DevOps stand-in and a
 * report receiver answering at once, and sums the profiles' samples:
 * - by where the code comes from (the task's `index.js`, its `collect.js`, Node's own modules by
 *   name, the engine's idle wait, garbage collection);
 * - by function (the 25 with the most self time).
 * `PROFILE_INSTRUCTIONS=N` also counts, N times each, the instructions of `node -e 0` and of the task
 * under valgrind's callgrind (a count that other processes on the machine do not change), and
 * `PROFILE_TASK_DIR` profiles another built task folder instead of this checkout's `.vsix`.
 * `PROFILE_SELF_HOSTED=1` runs as a self-hosted agent (the code cache kept from the warm-up run),
 * `PROFILE_HEAP=1` adds the sampling heap profiler's top allocators, `PROFILE_TRACE_GC=1` the GC
 * lines (`PROFILE_TRACE_GC_FLAGS`, default `--trace-gc`: e.g. `--trace-gc-nvp` for every phase),
 * and `PROFILE_COMPARE_ARGS='<node flags>'` times the task without and with those flags in turns
 * (an experiment: the agent runs `node index.js` with no flags). `PROFILE_TIME=N` times `node -e 0`
 * and the task N times each in turns under time(1) (wall, user, system, minor faults, peak RSS);
 * `PROFILE_HOLD=seconds` writes the job's environment to `profile-env.json` in the profiles folder
 * and keeps the stand-ins up that long, for other tools (strace, perf) on the same job.
 * Figures are sums over the runs, in ms of samples; they tell where to look, not how fast the task
 * is (`npm run bench:task` measures that against a floor).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { DOCKER_SOCKET, REGISTRY, requireDocker, requireRegistry } from '../../test/support/services';
import { AzureDevOpsStandIn } from '../../test/support/azureDevOps';
import { buildScratchImage, pushImage, removeImages, uniqueRepository } from '../../test/support/docker';
import { ReportReceiver } from '../../test/task/receiver';
import { agentEnvironment, newJob, nextWholeSecond, taskDirectory } from '../../test/task/runTask';
import { timedRun, type TimedRun } from './timed';

const PUSHES = Number(process.env.PROFILE_PUSHES ?? 5);
const RUNS = Number(process.env.PROFILE_RUNS ?? 5);

/** The parts of a `.cpuprofile` read here (V8's Profiler.Profile). */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function run(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? ok(Number(process.hrtime.bigint() - started) / 1e6) : fail(new Error(`the task exited ${code}`)),
    );
  });
}

/**
 * The instructions a whole `node <args>` process executes, all its threads (valgrind's callgrind,
 * which counts instructions rather than time: what other processes do on the machine does not
 * change it, though V8's background threads make it vary a little from run to run).
 */
function instructions(args: string[], env: Record<string, string>, outFile = '/dev/null'): Promise<number> {
  return new Promise((ok, fail) => {
    const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${outFile}`, process.execPath, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => {
      const refs = /Collected : (\d+)/.exec(stderr);
      if (code === 0 && refs) ok(Number(refs[1]));
      else fail(new Error(`valgrind ended ${code}: ${stderr.slice(-300)}`));
    });
  });
}

/** Where a frame's code comes from: a bundle file by name, `node:<module>`, or V8's own entries. */
function origin(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'anonymous'})`;
  if (url.startsWith('node:')) return url;
  return basename(url);
}

async function main(): Promise<void> {
  await requireDocker();
  await requireRegistry(REGISTRY);
  // PROFILE_TASK_DIR: another built task folder (an earlier commit's build/tasks/ContainerMappingV1, an experiment).
  const dir = process.env.PROFILE_TASK_DIR ?? (await taskDirectory());
  const devops = await AzureDevOpsStandIn.start();
  const receiver = await ReportReceiver.start();
  const images: string[] = [];
  const profiles = mkdtempSync(join(tmpdir(), 'cm-profile-'));
  try {
    const job = newJob(devops.url);
    const start = await nextWholeSecond();
    devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(start).toISOString() }]);
    const repo = uniqueRepository('profile');
    for (let i = 0; i < PUSHES; i++) {
      const ref = `${REGISTRY}/${repo}:${i}`;
      images.push(ref);
      await buildScratchImage(ref, `profile ${i} ${randomUUID()}`);
      await pushImage(ref);
    }
    // PROFILE_SELF_HOSTED=1: a self-hosted agent, which keeps the collector's code cache from the warm-up run on.
    const env = agentEnvironment(job, start, {
      INPUT_SERVICEURL: receiver.url,
      INPUT_DOCKERHOST: `unix://${DOCKER_SOCKET}`,
      AGENT_ISSELFHOSTED: process.env.PROFILE_SELF_HOSTED === '1' ? '1' : '0',
    });
    // One warm-up run (the engine's and the file cache's), not profiled.
    await run([join(dir, 'index.js')], env);
    const walls: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const out = join(profiles, String(i));
      mkdirSync(out);
      walls.push(await run(['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', out, join(dir, 'index.js')], env));
    }
    // PROFILE_COMPARE_ARGS='<node flags>': an experiment, not a product setting: 15 rounds of the task
    // without and with those flags, in turns; median wall times (whole process, as bench:task).
    const compareArgs = process.env.PROFILE_COMPARE_ARGS?.split(' ').filter(Boolean) ?? [];
    if (compareArgs.length > 0) {
      const plain: number[] = [];
      const flagged: number[] = [];
      for (let i = 0; i < 15; i++) {
        plain.push(await run([join(dir, 'index.js')], env));
        flagged.push(await run([...compareArgs, join(dir, 'index.js')], env));
      }
      const mid = (v: number[]) => [...v].sort((a, b) => a - b)[7] ?? 0;
      console.log(
        `\nwall, median of 15 in turns: ${mid(plain).toFixed(1)} ms plain, ${mid(flagged).toFixed(1)} ms with ${compareArgs.join(' ')}`,
      );
    }
    // PROFILE_HOLD=seconds: the job's environment written to profile-env.json in the profiles folder (kept),
    // and the stand-ins held that long, for a look with other tools (strace, time(1)) at the same job.
    const holdSeconds = Number(process.env.PROFILE_HOLD ?? 0);
    if (holdSeconds > 0) {
      const envFile = join(profiles, 'profile-env.json');
      writeFileSync(envFile, JSON.stringify({ entry: join(dir, 'index.js'), env }));
      console.log(`\nthe job's environment is in ${envFile}; holding ${holdSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
    }
    // PROFILE_TIME=N: N rounds of `node -e 0` and the task in turns under time(1): medians of wall,
    // user and system CPU, minor page faults and peak RSS, and the task's excess over the floor.
    const timeRounds = Number(process.env.PROFILE_TIME ?? 0);
    if (timeRounds > 0) {
      const floorRuns: TimedRun[] = [];
      const taskRuns: TimedRun[] = [];
      for (let i = 0; i < timeRounds; i++) {
        floorRuns.push(await timedRun(['-e', '0'], env));
        taskRuns.push(await timedRun([join(dir, 'index.js')], env));
      }
      const mid = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
      console.log(`\ntime(1), median of ${timeRounds} in turns:      floor     task     over`);
      for (const key of ['wallMs', 'userMs', 'sysMs', 'minorFaults', 'maxRssKiB'] as const) {
        const f = mid(floorRuns.map((r) => r[key]));
        const t = mid(taskRuns.map((r) => r[key]));
        console.log(`  ${key.padEnd(38)} ${f.toFixed(0).padStart(8)} ${t.toFixed(0).padStart(8)} ${(t - f).toFixed(0).padStart(8)}`);
      }
    }
    // PROFILE_HEAP=1: one more run with V8's sampling heap profiler; what allocated the most, by origin and function.
    if (process.env.PROFILE_HEAP === '1') {
      const out = join(profiles, 'heap');
      mkdirSync(out);
      await run(['--heap-prof', '--heap-prof-interval', '256', '--heap-prof-dir', out, join(dir, 'index.js')], env);
      interface HeapNode {
        callFrame: { functionName: string; url: string; lineNumber: number };
        selfSize: number;
        children: HeapNode[];
      }
      const allocated = new Map<string, number>();
      const visit = (node: HeapNode) => {
        const key = `${node.callFrame.functionName || '(anonymous)'} ${origin(node.callFrame.url, node.callFrame.functionName)}:${node.callFrame.lineNumber + 1}`;
        allocated.set(key, (allocated.get(key) ?? 0) + node.selfSize);
        node.children.forEach(visit);
      };
      for (const f of readdirSync(out)) visit((JSON.parse(readFileSync(join(out, f), 'utf8')) as { head: HeapNode }).head);
      const all = [...allocated.values()].reduce((a, b) => a + b, 0);
      console.log(`\nallocated (sampled, live at the end or not): ${(all / 1024).toFixed(0)} KiB; by function:`);
      for (const [k, v] of [...allocated].sort((a, b) => b[1] - a[1]).slice(0, 20))
        console.log(`  ${(v / 1024).toFixed(1).padStart(8)} KiB  ${k}`);
    }
    // PROFILE_TRACE_GC=1: one more run with --trace-gc, its lines printed.
    if (process.env.PROFILE_TRACE_GC === '1') {
      const traced = await new Promise<string>((ok, fail) => {
        const child = spawn(process.execPath, [...(process.env.PROFILE_TRACE_GC_FLAGS ?? '--trace-gc').split(' '), join(dir, 'index.js')], {
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
        child.on('error', fail);
        child.on('close', () => ok(out));
      });
      console.log(
        traced
          .split('\n')
          .filter((l) => /Scavenge|Mark-Compact|Mark-sweep|gc=/.test(l))
          .join('\n'),
      );
    }
    // Node's own modules the task loads beyond what `node -e 0` has (process.moduleLoadList, read at exit by a preload).
    const preload = join(profiles, 'modules.cjs');
    const listed = join(profiles, 'modules.txt');
    writeFileSync(
      preload,
      `const before = new Set(process.moduleLoadList);\nprocess.on('exit', () => require('fs').writeFileSync(${JSON.stringify(listed)}, process.moduleLoadList.filter((m) => !before.has(m)).join('\\n')));\n`,
    );
    await run(['--require', preload, join(dir, 'index.js')], env);
    const modules = readFileSync(listed, 'utf8')
      .split('\n')
      .filter((m) => m.startsWith('NativeModule '));
    // PROFILE_INSTRUCTIONS=N: N runs each of `node -e 0` and the task under callgrind, medians.
    const instructionRuns = Number(process.env.PROFILE_INSTRUCTIONS ?? 0);
    let counted = '';
    if (instructionRuns > 0) {
      const floor: number[] = [];
      const task: number[] = [];
      for (let i = 0; i < instructionRuns; i++) {
        floor.push(await instructions(['-e', '0'], env));
        // PROFILE_CALLGRIND_OUT: the first task run's callgrind output, for callgrind_annotate.
        task.push(await instructions([join(dir, 'index.js')], env, (i === 0 && process.env.PROFILE_CALLGRIND_OUT) || '/dev/null'));
      }
      const mid = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
      const m = (n: number) => `${(n / 1e6).toFixed(1)} M`;
      counted = `instructions (callgrind, median of ${instructionRuns}): node -e 0 ${m(mid(floor))}, the task ${m(mid(task))}, over the floor ${m(mid(task) - mid(floor))} (${((mid(task) / mid(floor) - 1) * 100).toFixed(1)} %); task runs ${task.map(m).join(', ')}`;
    }
    const byOrigin = new Map<string, number>();
    const byFunction = new Map<string, number>();
    for (const d of readdirSync(profiles).filter((d) => /^\d+$/.test(d))) {
      for (const f of readdirSync(join(profiles, d))) {
        const profile = JSON.parse(readFileSync(join(profiles, d, f), 'utf8')) as CpuProfile;
        const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
        profile.samples.forEach((id, i) => {
          const frame = nodes.get(id);
          const ms = (profile.timeDeltas[i] ?? 0) / 1000;
          if (!frame) return;
          const o = origin(frame.url, frame.functionName);
          byOrigin.set(o, (byOrigin.get(o) ?? 0) + ms);
          const fn = `${frame.functionName || '(anonymous)'} ${o}:${frame.lineNumber + 1}`;
          byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
        });
      }
    }
    const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
    const total = [...byOrigin.values()].reduce((a, b) => a + b, 0);
    console.log(
      `\n${PUSHES} pushes, ${RUNS} profiled runs (wall ${walls.map((w) => w.toFixed(0)).join(', ')} ms); ${total.toFixed(0)} ms of samples in all\n`,
    );
    console.log('by origin (ms, summed over the runs)');
    for (const [k, v] of top(byOrigin, 30)) console.log(`  ${v.toFixed(1).padStart(8)}  ${k}`);
    console.log('\nby function, self time (ms, summed over the runs)');
    for (const [k, v] of top(byFunction, 25)) console.log(`  ${v.toFixed(1).padStart(8)}  ${k}`);
    console.log(
      `\nNode's own modules loaded beyond node -e 0's (${modules.length}): ${modules.map((m) => m.slice('NativeModule '.length)).join(', ')}`,
    );
    if (counted) console.log(`\n${counted}`);
    const reports = receiver.received.filter((r) => (r.body as { pipeline?: { jobId?: string } }).pipeline?.jobId === job.jobId);
    // PROFILE_PUSHES=0 profiles the path of a job that pushed nothing: no report at all.
    const expected =
      PUSHES === 0
        ? 0
        : RUNS +
          2 +
          instructionRuns +
          (process.env.PROFILE_TRACE_GC === '1' ? 1 : 0) +
          (process.env.PROFILE_HEAP === '1' ? 1 : 0) +
          (compareArgs.length > 0 ? 30 : 0) +
          timeRounds;
    // Runs made by hand during PROFILE_HOLD add reports of their own.
    if (holdSeconds > 0 ? reports.length < expected : reports.length !== expected)
      throw new Error(`expected ${expected} reports, got ${reports.length}`);
    if (process.env.PROFILE_KEEP) console.log(`\nprofiles kept in ${profiles}`);
  } finally {
    if (!process.env.PROFILE_KEEP) rmSync(profiles, { recursive: true, force: true });
    await devops.close();
    await receiver.close();
    await removeImages(images);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
