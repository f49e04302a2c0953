/**
 * `npm run bench:task`: whole-process wall time and peak memory of the packaged task, beside
 * `node -e 0` spawned the same way with the same environment in the same run (the floor).
 *
 * Scenarios: no Docker engine; an engine and no push; an engine and 1, 5 and 10 pushes (reported
 * to a local receiver, with the Azure DevOps stand-in for the timeline and the OIDC token), on a
 * Microsoft-hosted agent and again on a self-hosted one (its own copy of the task folder, where
 * the collector's code cache is kept from the first round on); the newer engine's scenarios
 * (newerEngine.ts) and the GitHub Action's post (action.ts).
 * Runs are interleaved (floor, then each scenario) so drift hits all alike; the first rounds
 * are a warm-up. Medians are printed as a table and written to bench/results/.
 *
 * Then the hard time limit: a daemon that hangs (accepts and never answers, or sends headers and
 * never finishes), with a 4 s limit, and when the task ends against that limit (before it when
 * an engine timeout fires first; its own figure, not a ratio: the limit is the baseline). The tests check that it ends Succeeded; this
 * is where the time it takes is measured.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DOCKER_SOCKET, REGISTRY, requireDocker, requireRegistry } from '../../test/support/services';
import { AzureDevOpsStandIn } from '../../test/support/azureDevOps';
import { buildScratchImage, pushImage, removeImages, uniqueRepository } from '../../test/support/docker';
import { ReportReceiver } from '../../test/task/receiver';
import { agentEnvironment, newJob, runTask, taskDirectory } from '../../test/task/runTask';
import { hungDaemon } from '../../test/task/hungDaemon';
import { actionScenarios } from './action';
import { newerEngineScenarios, type NewerEngineBench } from './newerEngine';
import { timedRun, type TimedRun } from './timed';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUP = 3;
const HUNG_RUNS = Number(process.env.BENCH_HUNG_RUNS ?? 3);
const HUNG_LIMIT_SECONDS = 4;
/** How far past its time limit the task may end: the bound the integration tests used to assert. */
const HUNG_BUDGET_OVER_LIMIT_MS = 1500;
/** The push scenarios' targets over the floor (issue 15), by number of pushes. */
const PUSH_BUDGETS_MS: Record<number, number> = { 1: 45, 5: 60, 10: 75 };

/**
 * The same targets as shares of the issue's own build (`8c99748`, what `npm run bench:task:baseline`
 * runs beside ours): each target over the floor divided by what that build took over the floor
 * when the targets were set (its "today": +2.8, +8.3, +83, +100 and +111–131 ms, the slowest taken
 * for 10 pushes; the floor was ≈ 33 ms then). On a machine of another speed the absolute targets
 * move with it; a share measured against that build in the same rounds does not (the house rule:
 * performance as ratios against a baseline of the same run).
 */
const SHARE_OF_BASELINE_TARGETS: Record<string, number> = {
  'no engine': 5 / 2.8,
  'engine, no pushes': 10 / 8.3,
  'engine, 1 push': 45 / 83,
  'engine, 5 pushes': 60 / 100,
  'engine, 10 pushes': 75 / 131,
};

/** A scenario's share target: its row name without the agent kind. */
function shareTarget(scenario: string): number | undefined {
  return SHARE_OF_BASELINE_TARGETS[scenario.replace(/, self-hosted agent$/, '')];
}

/** Resolves at the next whole second (System.PipelineStartTime has whole seconds) and returns it. */
async function nextWholeSecond(): Promise<number> {
  const now = Date.now();
  const next = Math.ceil((now + 1) / 1000) * 1000;
  await new Promise((r) => setTimeout(r, next - now));
  return next;
}

/** One row of the time-limit table. */
interface HungRow {
  daemon: string;
  timeLimitMs: number;
  medianEndedMs: number;
  maxEndedMs: number;
  overLimitMs: number;
  budgetOverLimitMs: number;
  withinBudget: boolean;
}

/** Runs the task `HUNG_RUNS` times against each kind of hung daemon; every run must end Succeeded by itself. */
async function measureTimeLimit(dir: string, devops: AzureDevOpsStandIn, receiverUrl: string): Promise<HungRow[]> {
  const rows: HungRow[] = [];
  for (const answerHeaders of [false, true]) {
    const socket = join(tmpdir(), `bench-hung-${randomUUID()}.sock`);
    const server = await hungDaemon(socket, answerHeaders);
    const ended: number[] = [];
    try {
      for (let i = 0; i < HUNG_RUNS; i++) {
        const job = newJob(devops.url);
        const env = agentEnvironment(job, Math.floor(Date.now() / 1000) * 1000, {
          INPUT_SERVICEURL: receiverUrl,
          INPUT_DOCKERHOST: `unix://${socket}`,
          INPUT_TIMELIMITSECONDS: String(HUNG_LIMIT_SECONDS),
        });
        const run = await runTask(dir, env, 20 * HUNG_LIMIT_SECONDS * 1000);
        rmSync(job.tempDirectory, { recursive: true, force: true });
        if (run.code !== 0 || run.signal !== null)
          throw new Error(`the task did not end by itself with exit 0 (code ${run.code}, signal ${run.signal}): ${run.stdout.slice(-500)}`);
        ended.push(run.elapsedMs);
      }
    } finally {
      server.close();
      if (existsSync(socket)) rmSync(socket);
    }
    const medianEnded = median(ended);
    const limitMs = HUNG_LIMIT_SECONDS * 1000;
    rows.push({
      daemon: answerHeaders ? 'headers, never finishes' : 'accepts, never answers',
      timeLimitMs: limitMs,
      medianEndedMs: Math.round(medianEnded),
      maxEndedMs: Math.max(...ended),
      overLimitMs: Math.round(medianEnded - limitMs),
      budgetOverLimitMs: HUNG_BUDGET_OVER_LIMIT_MS,
      withinBudget: Math.max(...ended) - limitMs <= HUNG_BUDGET_OVER_LIMIT_MS,
    });
  }
  return rows;
}

/** Prints rows of strings as aligned columns. */
function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}

/** `+12.5`, `-3`: a difference with its sign. */
function signed(n: number): string {
  return n < 0 ? String(n) : `+${n}`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

interface Scenario {
  name: string;
  budgetOverFloorMs: number;
  env: Record<string, string>;
  check?: () => void;
  /** The file `node` runs; default the task's index.js. */
  script?: string;
  /** A task scenario on a self-hosted agent (its own copy of the task folder): the baseline runs it too. */
  selfHosted?: boolean;
}

async function main(): Promise<void> {
  await requireDocker();
  await requireRegistry(REGISTRY);
  const dir = await taskDirectory();
  const index = join(dir, 'index.js');
  const selfHostedDir = mkdtempSync(join(tmpdir(), 'cm-bench-self-hosted-'));
  cpSync(dir, selfHostedDir, { recursive: true });
  const devops = await AzureDevOpsStandIn.start();
  const receiver = await ReportReceiver.start();
  const images: string[] = [];
  let newer: NewerEngineBench | undefined;
  try {
    // An engine with no push since the pipeline started.
    const quietJob = newJob(devops.url);
    const quietStart = await nextWholeSecond();
    // Jobs with 10, 5 and 1 pushes. A job's window runs from its start to now, so the windows
    // nest: the 10-push job starts, 5 images are pushed; the 5-push job starts, 4 more; the
    // 1-push job starts, the last one.
    const repo = uniqueRepository('bench');
    const pushJobs: { job: ReturnType<typeof newJob>; start: number; pushes: number }[] = [];
    for (const [pushes, batch] of [
      [10, 5],
      [5, 4],
      [1, 1],
    ] as const) {
      const job = newJob(devops.url);
      const start = await nextWholeSecond();
      devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(start).toISOString() }]);
      pushJobs.push({ job, start, pushes });
      for (let i = 0; i < batch; i++) {
        const ref = `${REGISTRY}/${repo}:${images.length}`;
        images.push(ref);
        await buildScratchImage(ref, `bench ${images.length} ${randomUUID()}`);
        await pushImage(ref);
      }
    }
    const noEngineJob = newJob(devops.url);
    // The quiet job's window must not see the pushes above: its pipeline "starts" after them.
    const quietStartAfterPushes = await nextWholeSecond();
    void quietStart;

    const base = { INPUT_SERVICEURL: receiver.url };
    const scenarios: Scenario[] = [
      {
        name: 'no engine',
        budgetOverFloorMs: 15,
        env: agentEnvironment(noEngineJob, quietStartAfterPushes, {
          ...base,
          INPUT_DOCKERHOST: `unix://${join(tmpdir(), `absent-${randomUUID()}.sock`)}`,
        }),
      },
      {
        name: 'engine, no pushes',
        budgetOverFloorMs: 50,
        env: agentEnvironment(quietJob, quietStartAfterPushes, { ...base, INPUT_DOCKERHOST: `unix://${DOCKER_SOCKET}` }),
      },
      ...pushJobs
        .slice()
        .reverse()
        .map(({ job, start, pushes }) => ({
          name: `engine, ${pushes} push${pushes === 1 ? '' : 'es'}`,
          budgetOverFloorMs: PUSH_BUDGETS_MS[pushes] ?? 300,
          env: agentEnvironment(job, start, { ...base, INPUT_DOCKERHOST: `unix://${DOCKER_SOCKET}` }),
        })),
      // The same jobs on a self-hosted agent, which keeps the collector's code cache from its
      // first job on (collector/codeCache.ts): from a copy of the task folder of their own, so that
      // the rows above (a Microsoft-hosted agent, a fresh folder every job) never read that cache.
      ...pushJobs
        .slice()
        .reverse()
        .map(({ job, start, pushes }) => ({
          name: `engine, ${pushes} push${pushes === 1 ? '' : 'es'}, self-hosted agent`,
          budgetOverFloorMs: PUSH_BUDGETS_MS[pushes] ?? 300,
          env: agentEnvironment(job, start, { ...base, INPUT_DOCKERHOST: `unix://${DOCKER_SOCKET}`, AGENT_ISSELFHOSTED: '1' }),
          script: join(selfHostedDir, 'index.js'),
          selfHosted: true,
        })),
    ];
    // The newer engine's scenarios (newerEngine.ts), in the same rounds and against the same floor.
    newer = await newerEngineScenarios(devops, receiver.url);
    scenarios.push(...newer.scenarios);
    // The floor gets the same environment (the largest of them); neither inherits NODE_OPTIONS or NODE_EXTRA_CA_CERTS.
    const floorEnv = scenarios[2]?.env ?? {};
    // The GitHub Action's post run, in the same engine states (bench/task/action.ts).
    scenarios.push(
      ...actionScenarios({
        sinceMs: quietStartAfterPushes,
        absentSocket: join(tmpdir(), `absent-${randomUUID()}.sock`),
        dockerSocket: DOCKER_SOCKET,
        serviceUrl: receiver.url,
      }),
    );

    // BENCH_BASELINE_TASK_DIR: another build of the task (e.g. the previous commit's
    // build/tasks/ContainerMappingV1), run right after ours in every scenario of every round, so
    // that a loaded machine slows both alike and the pair compares fairly.
    const baseline = process.env.BENCH_BASELINE_TASK_DIR;
    const runs: { name: string; budgetOverFloorMs: number; env: Record<string, string>; entry: string }[] = scenarios.flatMap((s) => [
      { ...s, entry: s.script ?? index },
      // The baseline is another build of the task: the action's scenarios have none.
      ...(baseline && (s.script === undefined || s.selfHosted)
        ? [{ ...s, name: `${s.name} [baseline]`, entry: join(baseline, 'index.js') }]
        : []),
    ]);
    const floor: TimedRun[] = [];
    const samples = new Map<string, TimedRun[]>(runs.map((s) => [s.name, []]));
    const before = receiver.received.length;
    for (let round = 0; round < WARMUP + RUNS; round++) {
      const f = await timedRun(['-e', '0'], floorEnv);
      if (round >= WARMUP) floor.push(f);
      for (const s of runs) {
        const sample = await timedRun([s.entry], s.env);
        if (round >= WARMUP) samples.get(s.name)?.push(sample);
      }
    }
    type Sent = { pipeline?: { jobId?: string }; images?: { repository: string }[] };
    const sent = receiver.received.slice(before).map((r) => r.body as Sent);
    // Other users of this engine may push meanwhile: count only the bench's own repository.
    for (const { job, pushes } of pushJobs) {
      const reports = sent.filter((r) => r.pipeline?.jobId === job.jobId);
      const complete = reports.every((r) => (r.images ?? []).filter((i) => i.repository === repo).length === pushes);
      // Each job runs twice a round (on a Microsoft-hosted and a self-hosted agent), and the baseline build after each.
      const expected = 2 * (WARMUP + RUNS) * (baseline ? 2 : 1);
      if (reports.length !== expected || !complete) {
        throw new Error(`expected ${expected} reports with the ${pushes} pushed images each, got ${reports.length} reports`);
      }
    }
    const disturbed = sent.filter((r) => r.pipeline?.jobId === quietJob.jobId).length;
    // With a baseline, every task scenario ran twice a round (the baseline build reports too).
    newer.check(sent, (WARMUP + RUNS) * (baseline ? 2 : 1));
    const disturbedNewer = sent.filter((r) => newer?.idleJobIds.includes(r.pipeline?.jobId ?? '')).length;
    const floorWall = median(floor.map((s) => s.wallMs));
    const floorRss = median(floor.map((s) => s.maxRssKiB));
    const floorCpu = median(floor.map((s) => s.cpuMs));
    const shareRows: object[] = [];
    const rows = runs.map((s) => {
      const list = samples.get(s.name) ?? [];
      const wall = median(list.map((x) => x.wallMs));
      const rss = median(list.map((x) => x.maxRssKiB));
      const cpu = median(list.map((x) => x.cpuMs));
      return {
        scenario: s.name,
        medianWallMs: +wall.toFixed(1),
        overFloorMs: +(wall - floorWall).toFixed(1),
        ratioToFloor: +(wall / floorWall).toFixed(2),
        budgetOverFloorMs: s.budgetOverFloorMs,
        withinBudget: wall - floorWall <= s.budgetOverFloorMs,
        medianPeakRssMiB: +(rss / 1024).toFixed(1),
        peakRssOverFloorMiB: +((rss - floorRss) / 1024).toFixed(1),
        medianCpuMs: Math.round(cpu),
        cpuOverFloorMs: Math.round(cpu - floorCpu),
      };
    });

    console.log(`\nContainer mapping task: median of ${RUNS} runs after ${WARMUP} warm-up rounds (node ${process.version}, ${dir})`);
    console.log(`${newer.versions}`);
    console.log(
      `floor (node -e 0): ${floorWall.toFixed(1)} ms, ${(floorRss / 1024).toFixed(1)} MiB peak RSS, ${Math.round(floorCpu)} ms CPU; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    if (baseline) {
      // Each of our rows against the baseline build's row of the same scenario, both over the same floor.
      const shares = rows
        .filter((r) => !r.scenario.endsWith(' [baseline]'))
        .flatMap((r) => {
          const base = rows.find((b) => b.scenario === `${r.scenario} [baseline]`);
          const target = shareTarget(r.scenario);
          if (!base || target === undefined) return [];
          const share = base.overFloorMs > 0 ? r.overFloorMs / base.overFloorMs : Number.NaN;
          return [
            { scenario: r.scenario, overFloorMs: r.overFloorMs, baselineOverFloorMs: base.overFloorMs, share, target, ok: share <= target },
          ];
        });
      console.log(`baseline: ${baseline}\nours over the floor as a share of the baseline's, in the same rounds\n`);
      printTable(
        ['scenario', 'ours over floor', 'baseline over floor', 'share', 'target share', 'ok'],
        shares.map((r) =>
          [
            r.scenario,
            signed(r.overFloorMs),
            signed(r.baselineOverFloorMs),
            Number.isFinite(r.share) ? r.share.toFixed(2) : 'n/a',
            `<= ${r.target.toFixed(2)}`,
            r.ok ? 'yes' : 'NO',
          ].map(String),
        ),
      );
      console.log('');
      shareRows.push(...shares);
    }
    printTable(
      ['scenario', 'wall ms', 'over floor', 'ratio', 'budget', 'ok', 'peak MiB', 'MiB over floor', 'CPU ms over floor'],
      rows.map((r) =>
        [
          r.scenario,
          r.medianWallMs,
          signed(r.overFloorMs),
          `${r.ratioToFloor}x`,
          `+${r.budgetOverFloorMs}`,
          r.withinBudget ? 'yes' : 'NO',
          r.medianPeakRssMiB,
          signed(r.peakRssOverFloorMiB),
          signed(r.cpuOverFloorMs),
        ].map(String),
      ),
    );

    const hung = await measureTimeLimit(dir, devops, receiver.url);
    console.log(
      `\nHard time limit (${HUNG_LIMIT_SECONDS} s) against a hung daemon: median and slowest of ${HUNG_RUNS} runs, each ended Succeeded by itself\n`,
    );
    printTable(
      ['daemon', 'limit ms', 'ended ms (median)', 'slowest ms', 'over limit', 'budget', 'ok'],
      hung.map((r) =>
        [
          r.daemon,
          r.timeLimitMs,
          r.medianEndedMs,
          r.maxEndedMs,
          signed(r.overLimitMs),
          `+${r.budgetOverLimitMs}`,
          r.withinBudget ? 'yes' : 'NO',
        ].map(String),
      ),
    );

    const out = resolve(__dirname, '..', 'results');
    mkdirSync(out, { recursive: true });
    const file = join(out, `task-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs: RUNS, warmup: WARMUP, disturbedQuietRuns: disturbed, loadAverage: loadavg(), floor: { medianWallMs: +floorWall.toFixed(1), medianPeakRssMiB: +(floorRss / 1024).toFixed(1), medianCpuMs: Math.round(floorCpu) }, baseline: baseline ?? null, scenarios: rows, shareOfBaseline: shareRows, timeLimit: hung }, null, 2)}\n`,
    );
    if (disturbedNewer > 0)
      console.log(
        `\nnote: ${disturbedNewer} runs of the newer engine's "no pushes" rows found other users' work on the shared engines; those rows are inflated.`,
      );
    if (disturbed > 0)
      console.log(
        `\nnote: ${disturbed} runs of "engine, no pushes" found pushes made by other users of this engine during the bench; that row is inflated.`,
      );
    console.log(`\nwritten to ${file}`);
  } finally {
    await devops.close();
    await receiver.close();
    await removeImages(images);
    await newer?.cleanup();
    rmSync(selfHostedDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
