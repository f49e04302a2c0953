/**
 * `npm run bench:service`: ingestion throughput (3 images per report, 8 concurrent clients)
 * and digest lookup latency with 1,000,000 stored images, on SQLite and PostgreSQL, each beside
 * the same work straight through the driver in the same run. Writes bench/results/service-*.json.
 *
 * The service runs in a child process (`server.ts`); this process is the load generator and
 * the driver baseline. `--images N` seeds fewer images for quick iterations (default 1,000,000);
 * `--only sqlite|postgres` runs one database; `--profile DIR` CPU-profiles the service process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashToken } from '../../service/src/auth/staticTokens';
import { SqliteStore } from '../../service/src/store/sqlite/sqliteStore';
import { PostgresStore } from '../../service/src/store/postgres/postgresStore';
import type { Store } from '../../service/src/store/store';
import { POSTGRES_URL } from '../../test/support/services';
import { digestOf, image, makeReport } from '../../test/service/support/reports';
import { postgresDriver, sqliteDriver, type DriverRead, type DriverWrite } from './drivers';
import { seedPostgres, seedSqlite, seededDigest } from './seed';

/** The value of `--name N` on the command line, if given. */
function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

const STORED_IMAGES = Number(flag('images') ?? process.env.CM_BENCH_IMAGES ?? 1_000_000);
const REPORTS = Number(process.env.CM_BENCH_REPORTS ?? 6000);
const LOOKUPS = Number(process.env.CM_BENCH_LOOKUPS ?? 5000);
const CLIENTS = 8;
const TOKEN = 'cmt_bench-token';

let runCounter = 0;
/** A report of a new run with 3 new images. */
function nextReport() {
  const run = 10_000_000 + ++runCounter;
  return makeReport({
    pipeline: { runId: run },
    images: [0, 1, 2].map((i) => image({ digest: digestOf(`bench-${run}-${i}`), repository: `bench/app-${i}`, tag: String(run) })),
  });
}

async function concurrently(total: number, clients: number, work: () => Promise<void>): Promise<number> {
  let left = total;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (left-- > 0) await work();
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function latencies(count: number, work: (i: number) => Promise<void>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await work(i);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

function http(agent: Agent, port: number, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Result {
  database: string;
  storedImages: number;
  seedSeconds: number;
  ingest: {
    serviceReportsPerSecond: number;
    driverReportsPerSecond: number;
    ratio: number;
    serviceCpuMsPerReport: number;
    driverCpuMsPerReport: number;
    loadGeneratorCpuMsPerReport: number;
    reportsPerCommit: number;
  };
  lookup: { serviceP50Ms: number; serviceP99Ms: number; driverP50Ms: number; driverP99Ms: number; p99Ratio: number };
}

/** Starts the service in a child process on `databaseUrl`; resolves with its port and a way to stop it. */
async function startService(
  databaseUrl: string,
): Promise<{ port: number; usage: () => Promise<{ cpuMs: number; commits: number }>; stop: () => Promise<void> }> {
  const child: ChildProcess = fork(join(__dirname, 'server.ts'), [], {
    // `--profile DIR` writes a V8 CPU profile of the service process to DIR.
    execArgv: ['--import', 'tsx', ...(flag('profile') ? ['--cpu-prof', '--cpu-prof-dir', flag('profile') ?? ''] : [])],
    env: { ...process.env, CM_BENCH_DATABASE_URL: databaseUrl, CM_BENCH_TOKEN_SHA256: hashToken(TOKEN) },
    // The service's own log lines (pino, info) are written as in production, then dropped.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    port,
    usage: () =>
      new Promise<{ cpuMs: number; commits: number }>((resolve) => {
        child.once('message', (m) => {
          const { cpu, commits } = m as { cpu: NodeJS.CpuUsage; commits: number };
          resolve({ cpuMs: (cpu.user + cpu.system) / 1000, commits });
        });
        child.send('cpu');
      }),
    stop: async () => {
      child.send('close');
      await exited;
    },
  };
}

async function benchOne(
  name: string,
  databaseUrl: string,
  store: Store,
  seed: () => Promise<void>,
  makeDriver: () => { write: DriverWrite; read: DriverRead },
): Promise<Result> {
  await store.migrate();
  const driver = makeDriver();
  let t = Date.now();
  await seed();
  const seedSeconds = (Date.now() - t) / 1000;
  const counts = await store.counts();
  process.stdout.write(`${name}: seeded ${counts.pushes} images in ${seedSeconds.toFixed(1)} s\n`);

  const service = await startService(databaseUrl);
  const port = service.port;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    // Warm up both paths, then measure each with the same number of reports.
    await concurrently(200, CLIENTS, async () => void (await http(agent, port, 'POST', '/api/v1/reports', JSON.stringify(nextReport()))));
    await concurrently(200, CLIENTS, () => driver.write(nextReport()));
    // CPU time per report: the service process's own, and this process's for the driver
    // (which, for PostgreSQL, leaves out the server's share of both).
    const serviceBefore = await service.usage();
    const loadCpuBefore = process.cpuUsage();
    const serviceSeconds = await concurrently(REPORTS, CLIENTS, async () => {
      const status = await http(agent, port, 'POST', '/api/v1/reports', JSON.stringify(nextReport()));
      if (status !== 201) throw new Error(`ingest answered ${status}`);
    });
    const loadCpu = process.cpuUsage(loadCpuBefore);
    const serviceAfter = await service.usage();
    // This process's CPU while it drives the service: the load generator's share of the machine.
    const loadGeneratorCpuMsPerReport = (loadCpu.user + loadCpu.system) / 1000 / REPORTS;
    const serviceCpuMsPerReport = (serviceAfter.cpuMs - serviceBefore.cpuMs) / REPORTS;
    // Group commit: how many reports shared one transaction on average.
    const reportsPerCommit = REPORTS / (serviceAfter.commits - serviceBefore.commits);
    const driverCpuBefore = process.cpuUsage();
    const driverSeconds = await concurrently(REPORTS, CLIENTS, () => driver.write(nextReport()));
    const driverCpu = process.cpuUsage(driverCpuBefore);
    const driverCpuMsPerReport = (driverCpu.user + driverCpu.system) / 1000 / REPORTS;
    const ingest = {
      serviceReportsPerSecond: REPORTS / serviceSeconds,
      driverReportsPerSecond: REPORTS / driverSeconds,
      ratio: 0,
      serviceCpuMsPerReport,
      driverCpuMsPerReport,
      loadGeneratorCpuMsPerReport,
      reportsPerCommit,
    };
    ingest.ratio = ingest.serviceReportsPerSecond / ingest.driverReportsPerSecond;

    const pick = (i: number) => seededDigest(1 + ((i * 7919 + 104729) % counts.pushes));
    t = Date.now();
    const served = await latencies(LOOKUPS, async (i) => {
      const status = await http(agent, port, 'GET', `/api/v1/images/${pick(i)}`);
      if (status !== 200) throw new Error(`lookup answered ${status}`);
    });
    const direct = await latencies(LOOKUPS, async (i) => {
      if ((await driver.read(pick(i + 1))) !== 1) throw new Error('driver lookup found nothing');
    });
    const lookup = {
      serviceP50Ms: served.p50,
      serviceP99Ms: served.p99,
      driverP50Ms: direct.p50,
      driverP99Ms: direct.p99,
      p99Ratio: served.p99 / direct.p99,
    };
    return { database: name, storedImages: counts.pushes, seedSeconds, ingest, lookup };
  } finally {
    agent.destroy();
    await service.stop();
  }
}

async function benchSqlite(reports: number, results: Result[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-bench-'));
  const sqlite = new SqliteStore(join(dir, 'bench.db'));
  try {
    results.push(
      await benchOne(
        'SQLite',
        `sqlite:${sqlite.file}`,
        sqlite,
        async () => seedSqlite(sqlite.connection, reports),
        () => sqliteDriver(sqlite.connection),
      ),
    );
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(reports: number, results: Result[]): Promise<void> {
  const schema = `cm_bench_${randomBytes(4).toString('hex')}`;
  const postgresUrl = `${POSTGRES_URL}?schema=${schema}`;
  const postgres = new PostgresStore(postgresUrl, CLIENTS + 2);
  try {
    results.push(
      await benchOne(
        'PostgreSQL',
        postgresUrl,
        postgres,
        () => seedPostgres(postgres.connection, reports),
        () => postgresDriver(postgres.connection),
      ),
    );
  } finally {
    await postgres.close();
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const reports = Math.ceil(STORED_IMAGES / 3);
  const results: Result[] = [];

  const only = flag('only');
  if (only !== 'postgres') await benchSqlite(reports, results);
  if (only !== 'sqlite') await benchPostgres(reports, results);

  const f = (n: number, d = 0) => n.toFixed(d);
  process.stdout.write(
    '\ndatabase     stored   ingest service/driver (reports/s)   ratio   lookup p50 service/driver (ms)   p99 service/driver (ms)   p99 ratio\n',
  );
  for (const r of results) {
    process.stdout.write(
      `${r.database.padEnd(11)}  ${r.storedImages}  ${f(r.ingest.serviceReportsPerSecond).padStart(6)} / ${f(r.ingest.driverReportsPerSecond).padEnd(6)}` +
        `                   ${f(r.ingest.ratio, 2)}    ${f(r.lookup.serviceP50Ms, 3)} / ${f(r.lookup.driverP50Ms, 3)}` +
        `                  ${f(r.lookup.serviceP99Ms, 3)} / ${f(r.lookup.driverP99Ms, 3)}             ${f(r.lookup.p99Ratio, 2)}\n`,
    );
  }
  const out = join(__dirname, '..', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `service-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        serviceProcess: 'child (bench/service/server.ts)',
        clients: CLIENTS,
        reportsMeasured: REPORTS,
        lookups: LOOKUPS,
        results,
      },
      null,
      2,
    ),
  );
  for (const r of results) {
    process.stdout.write(
      `${r.database}: CPU per report, service process ${f(r.ingest.serviceCpuMsPerReport, 3)} ms, driver ${f(r.ingest.driverCpuMsPerReport, 3)} ms, ` +
        `load generator ${f(r.ingest.loadGeneratorCpuMsPerReport, 3)} ms; ` +
        `${f(r.ingest.reportsPerCommit, 1)} reports per service commit\n`,
    );
  }
  process.stdout.write(`\nresults: ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:service failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
