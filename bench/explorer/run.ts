/**
 * `npm run bench:explorer`: the explorer at the issue's size (`shape.ts`: 20 clusters, 20,000 workloads,
 * 100,000 images, 50,000 mapped, 5,000,000 findings) on SQLite and PostgreSQL. Measures, through the
 * service's HTTP API (the service in a child process, `bench/service/server.ts`; this process is the client):
 * - `GET /api/v1/exposed?minSeverity=high` — what `query exposed --min-severity high` asks — the first page
 *   (the default 50 rows) and the full result (every page of 500, the largest page, cursor after cursor);
 * - `GET /api/v1/coverage` — `query coverage`;
 * - the import of a 10,000-workload cluster snapshot (`POST /api/v1/clusters/{cluster}/snapshot`, a kubectl
 *   List) and of a 100,000-finding Trivy file (`POST /api/v1/scans`): body upload, the cores and the store's
 *   transaction; each repeated import replaces the previous one, as a scheduled re-import would.
 * The background data is written with bulk SQL into the store's tables (`seed.ts`); only the measured
 * imports go through the service. Prints the figures and writes bench/results/explorer-*.json.
 *
 * Then the explorer page in headless Chromium (`browser.ts`): from submitting the template query to the first
 * table page and to the drawn graph, for a result of 1,000 rows, beside an empty answer's time.
 *
 * Flags: `--scale S` (every count times S; 0.1 for a quick check), `--only sqlite|postgres|browser`, `--runs N`
 * (measured imports and full walks, default 3), `--samples N` (first pages and coverage queries, default 40),
 * `--browser-rows N` (default 1,000) and `--browser-runs N` (counted rounds in the browser, default 5).
 * PostgreSQL: `CM_BENCH_POSTGRES_URL` (else the tests' `CM_TEST_DATABASE_URL`), in a schema of its own, dropped after.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { hashToken } from '../../service/src/auth/staticTokens';
import { SqliteStore } from '../../service/src/store/sqlite/sqliteStore';
import { PostgresStore } from '../../service/src/store/postgres/postgresStore';
import type { Store } from '../../service/src/store/store';
import { POSTGRES_URL } from '../../test/support/services';
import { BROWSER_TARGETS, benchBrowser, type BrowserResult } from './browser';
import { clusterList, trivyReport } from './documents';
import { client, percentiles, timed } from './http';
import { seedPostgres, seedSqlite } from './seed';
import { shapeAt, type Shape } from './shape';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

const SCALE = Number(flag('scale') ?? process.env.CM_BENCH_SCALE ?? 1);
const RUNS = Number(flag('runs') ?? 3);
const SAMPLES = Number(flag('samples') ?? 40);
const BROWSER_ROWS = Number(flag('browser-rows') ?? 1000);
const BROWSER_RUNS = Number(flag('browser-runs') ?? 5);
const TOKEN = 'cmt_bench-explorer-token';
const TARGETS = { exposedFirstPageP95Ms: 250, clusterImportMs: 10_000, findingsImportMs: 10_000 };

/** The measured documents, serialised once: workload w runs image 2 + 2w (unmapped), its sidecar the next one. */
function documents(shape: Shape): { list: string; trivy: string } {
  return { list: JSON.stringify(clusterList(shape.importWorkloads, 2)), trivy: JSON.stringify(trivyReport(2, shape.importFindings)) };
}

interface Result {
  database: string;
  seedSeconds: number;
  stored: { workloads: number; runningImages: number; findings: number; pushes: number };
  exposedFirstPage: { p50: number; p95: number; runs: number; rows: number; serviceCpuMs: number };
  exposedFullResult: { p50: number; p95: number; runs: number; rows: number; pages: number; serviceCpuMs: number };
  coverage: { p50: number; p95: number; runs: number; rows: number; serviceCpuMs: number };
  clusterImport: { medianMs: number; runsMs: number[]; serviceCpuMs: number; bodyMB: number; workloads: number };
  findingsImport: { medianMs: number; runsMs: number[]; serviceCpuMs: number; bodyMB: number; findings: number };
}

const median = (xs: number[]) => percentiles(xs).p50;

/** The service process, and its CPU time so far (ms), which the machine's load does not inflate as it does wall time. */
interface Service {
  port: number;
  cpuMs: () => Promise<number>;
  stop: () => Promise<void>;
}

async function startService(databaseUrl: string): Promise<Service> {
  const child = fork(join(__dirname, '..', 'service', 'server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CM_BENCH_DATABASE_URL: databaseUrl, CM_BENCH_TOKEN_SHA256: hashToken(TOKEN), CM_BENCH_SCOPES: 'inventory,read' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const cpuMs = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => {
        const { cpu } = m as { cpu: NodeJS.CpuUsage };
        resolve((cpu.user + cpu.system) / 1000);
      });
      child.send('cpu');
    });
  return { port, cpuMs, stop: async () => void (child.send('close'), await exited) };
}

async function measure(
  name: string,
  databaseUrl: string,
  shape: Shape,
  docs: { list: string; trivy: string },
): Promise<Omit<Result, 'database' | 'seedSeconds' | 'stored'>> {
  const service = await startService(databaseUrl);
  const http = client(service.port, TOKEN);
  const expect = async (method: string, path: string, status: number, body?: string) => {
    const answer = await http.send(method, path, body);
    if (answer.status !== status) throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return answer.text;
  };
  const log = (what: string) => process.stdout.write(`${name}: ${what}\n`);
  // Wall times of `count` runs of `work`, and the service process's CPU per run (PostgreSQL's own is not in it).
  const sample = async (count: number, work: () => Promise<void>) => {
    const before = await service.cpuMs();
    const ms: number[] = [];
    for (let i = 0; i < count; i++) ms.push(await timed(work));
    return { ms, serviceCpuMs: ((await service.cpuMs()) - before) / count };
  };
  const cpu = (ms: number) => `, service CPU ${ms.toFixed(0)} ms`;
  try {
    // First page, as `query exposed --min-severity high` asks it.
    let rows = 0;
    const firstPage = async () =>
      void (rows = (JSON.parse(await expect('GET', '/api/v1/exposed?minSeverity=high', 200)) as { items: unknown[] }).items.length);
    for (let i = 0; i < 3; i++) await firstPage();
    const first = await sample(SAMPLES, firstPage);
    const exposedFirstPage = { ...percentiles(first.ms), rows, serviceCpuMs: first.serviceCpuMs };
    log(
      `exposed, first page of ${rows} rows: p50 ${exposedFirstPage.p50.toFixed(1)} ms, p95 ${exposedFirstPage.p95.toFixed(1)} ms${cpu(first.serviceCpuMs)}`,
    );

    // The full result: every page, cursor after cursor.
    let total = 0;
    let pages = 0;
    const walk = async () => {
      total = 0;
      pages = 0;
      let cursor: string | null = null;
      do {
        const query: string = `/api/v1/exposed?minSeverity=high&limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const page = JSON.parse(await expect('GET', query, 200)) as { items: unknown[]; nextCursor: string | null };
        total += page.items.length;
        pages++;
        cursor = page.nextCursor;
      } while (cursor !== null);
    };
    await walk();
    const full = await sample(RUNS, walk);
    const exposedFullResult = { ...percentiles(full.ms), rows: total, pages, serviceCpuMs: full.serviceCpuMs };
    log(
      `exposed, full result of ${total} rows in ${pages} pages: p50 ${exposedFullResult.p50.toFixed(0)} ms, p95 ${exposedFullResult.p95.toFixed(0)} ms${cpu(full.serviceCpuMs)}`,
    );

    let coverageRows = 0;
    const coverageOnce = async () => void (coverageRows = (JSON.parse(await expect('GET', '/api/v1/coverage', 200)) as unknown[]).length);
    await coverageOnce();
    const cov = await sample(Math.max(5, Math.floor(SAMPLES / 4)), coverageOnce);
    const coverage = { ...percentiles(cov.ms), rows: coverageRows, serviceCpuMs: cov.serviceCpuMs };
    log(`coverage, ${coverageRows} rows: p50 ${coverage.p50.toFixed(0)} ms, p95 ${coverage.p95.toFixed(0)} ms${cpu(cov.serviceCpuMs)}`);

    // Imports: one not counted (the first creates what the others replace), then RUNS counted.
    let workloads = 0;
    const importCluster = async () =>
      void (workloads = (
        JSON.parse(await expect('POST', '/api/v1/clusters/bench-import/snapshot', 201, docs.list)) as { workloads: number }
      ).workloads);
    await importCluster();
    const clusterRuns = await sample(RUNS, importCluster);
    if (workloads !== shape.importWorkloads)
      throw new Error(`the snapshot import stored ${workloads} workloads, not ${shape.importWorkloads}`);
    const clusterImport = {
      medianMs: median(clusterRuns.ms),
      runsMs: clusterRuns.ms,
      serviceCpuMs: clusterRuns.serviceCpuMs,
      bodyMB: docs.list.length / 1e6,
      workloads,
    };
    log(
      `cluster import, ${workloads} workloads (${clusterImport.bodyMB.toFixed(1)} MB): median ${clusterImport.medianMs.toFixed(0)} ms${cpu(clusterRuns.serviceCpuMs)}`,
    );

    let findings = 0;
    const importScan = async () =>
      void (findings = (JSON.parse(await expect('POST', '/api/v1/scans', 201, docs.trivy)) as { findings: number }).findings);
    await importScan();
    const scanRuns = await sample(RUNS, importScan);
    if (findings !== shape.importFindings) throw new Error(`the scan import stored ${findings} findings, not ${shape.importFindings}`);
    const findingsImport = {
      medianMs: median(scanRuns.ms),
      runsMs: scanRuns.ms,
      serviceCpuMs: scanRuns.serviceCpuMs,
      bodyMB: docs.trivy.length / 1e6,
      findings,
    };
    log(
      `findings import, ${findings} findings (${findingsImport.bodyMB.toFixed(1)} MB): median ${findingsImport.medianMs.toFixed(0)} ms${cpu(scanRuns.serviceCpuMs)}`,
    );
    return { exposedFirstPage, exposedFullResult, coverage, clusterImport, findingsImport };
  } finally {
    http.close();
    await service.stop();
  }
}

async function benchOne(
  name: string,
  databaseUrl: string,
  store: Store,
  seed: () => Promise<void>,
  count: (table: string) => Promise<number>,
  shape: Shape,
  docs: { list: string; trivy: string },
): Promise<Result> {
  await store.migrate();
  const t = Date.now();
  await seed();
  const seedSeconds = (Date.now() - t) / 1000;
  const stored = {
    workloads: await count('snapshot_workloads'),
    runningImages: await count('running_images'),
    findings: await count('scan_findings'),
    pushes: await count('pushes'),
  };
  process.stdout.write(`${name}: seeded ${JSON.stringify(stored)} in ${seedSeconds.toFixed(0)} s\n`);
  return { database: name, seedSeconds, stored, ...(await measure(name, databaseUrl, shape, docs)) };
}

async function benchSqlite(shape: Shape, docs: { list: string; trivy: string }): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-bench-explorer-'));
  const sqlite = new SqliteStore(join(dir, 'bench.db'));
  try {
    const db = sqlite.connection;
    const count = async (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return await benchOne('SQLite', `sqlite:${sqlite.file}`, sqlite, async () => seedSqlite(db, shape), count, shape, docs);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(shape: Shape, docs: { list: string; trivy: string }): Promise<Result> {
  const base = process.env.CM_BENCH_POSTGRES_URL ?? POSTGRES_URL;
  const schema = `cm_bench_explorer_${randomBytes(4).toString('hex')}`;
  const url = `${base}?schema=${schema}`;
  const postgres = new PostgresStore(url, 4);
  try {
    const pool = postgres.connection;
    const count = async (table: string) => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
    return await benchOne('PostgreSQL', url, postgres, () => seedPostgres(pool, shape), count, shape, docs);
  } finally {
    await postgres.close();
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

function report(shape: Shape, results: Result[], browser: BrowserResult | null, file: string): void {
  const f = (n: number, d = 0) => n.toFixed(d);
  const met = (value: number, target: number) => (value <= target ? 'met' : 'MISSED');
  const out = (line: string) => void process.stdout.write(`${line}\n`);
  if (browser !== null) {
    out('');
    out(`browser (headless Chromium, SQLite): template query answering ${browser.rows} rows, medians of ${browser.runs} rounds`);
    out(`  empty answer (baseline)       ${f(browser.baseline.medianMs)} ms`);
    out(
      `  first table page (${browser.table.rowsShown} rows)   ${f(browser.table.medianMs)} ms, ×${f(browser.table.ratio, 1)} the baseline; target ≤ ${BROWSER_TARGETS.tableMs} ms ${met(browser.table.medianMs, BROWSER_TARGETS.tableMs)}`,
    );
    out(
      `  drawn graph (${browser.graph.nodes} nodes)        ${f(browser.graph.medianMs)} ms, ×${f(browser.graph.ratio, 1)} the baseline; target ≤ ${BROWSER_TARGETS.graphMs} ms ${met(browser.graph.medianMs, BROWSER_TARGETS.graphMs)}`,
    );
    out(`  graph: ${browser.graph.rowsDrawn}`);
    out(
      `  graph phases (medians): ${Object.entries(browser.graph.phasesMedianMs)
        .map(([name, ms]) => `${name} ${f(ms)} ms`)
        .join(', ')}`,
    );
  }
  if (results.length === 0) return out(`\nresults: ${file}`);
  out('');
  out(
    `scale ${shape.scale}: ${shape.clusters} clusters, ${shape.workloads} workloads, ${shape.images} images (${shape.mapped} mapped), ${shape.findings} findings`,
  );
  out(
    'database    exposed first page p50/p95 (ms)  full result p50/p95 (ms, rows/pages)  coverage p50/p95 (ms)  cluster import (ms)  findings import (ms)',
  );
  for (const r of results) {
    out(
      `${r.database.padEnd(10)}  ${f(r.exposedFirstPage.p50, 1)} / ${f(r.exposedFirstPage.p95, 1)}`.padEnd(46) +
        `${f(r.exposedFullResult.p50)} / ${f(r.exposedFullResult.p95)} (${r.exposedFullResult.rows}/${r.exposedFullResult.pages})`.padEnd(
          39,
        ) +
        `${f(r.coverage.p50)} / ${f(r.coverage.p95)}`.padEnd(23) +
        `${f(r.clusterImport.medianMs)}`.padEnd(21) +
        `${f(r.findingsImport.medianMs)}`,
    );
  }
  out('');
  for (const r of results) {
    out(
      `${r.database}: targets — exposed first page p95 ≤ ${TARGETS.exposedFirstPageP95Ms} ms ${met(r.exposedFirstPage.p95, TARGETS.exposedFirstPageP95Ms)}, ` +
        `cluster import ≤ 10 s ${met(r.clusterImport.medianMs, TARGETS.clusterImportMs)}, ` +
        `${shape.importFindings} findings ≤ 10 s ${met(r.findingsImport.medianMs, TARGETS.findingsImportMs)}` +
        (shape.scale === 1 ? '' : ' (targets are for scale 1)'),
    );
  }
  out(`\nresults: ${file}`);
}

async function main(): Promise<void> {
  if (!(SCALE > 0) || !(RUNS >= 1) || !(SAMPLES >= 1) || !(BROWSER_ROWS >= 1) || !(BROWSER_RUNS >= 1))
    throw new Error('--scale must be > 0, --runs, --samples, --browser-rows and --browser-runs ≥ 1');
  const shape = shapeAt(SCALE);
  const docs = documents(shape);
  const load = loadavg();
  const results: Result[] = [];
  const only = flag('only');
  if (only !== undefined && !['sqlite', 'postgres', 'browser'].includes(only)) throw new Error('--only takes sqlite, postgres or browser');
  if (only === undefined || only === 'sqlite') results.push(await benchSqlite(shape, docs));
  if (only === undefined || only === 'postgres') results.push(await benchPostgres(shape, docs));
  const browser =
    only === undefined || only === 'browser'
      ? await benchBrowser(BROWSER_ROWS, BROWSER_RUNS, (line) => process.stdout.write(`${line}\n`))
      : null;

  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `explorer-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: load, loadAverageAtEnd: loadavg() },
        method:
          'service in a child process, this process the only client, one request at a time over HTTP on loopback; background data seeded by bulk SQL; serviceCpuMs: the service process only, per request (per walk, per import)',
        shape,
        runs: RUNS,
        samples: SAMPLES,
        targets: { ...TARGETS, browser: BROWSER_TARGETS },
        results,
        browser,
      },
      null,
      2,
    ),
  );
  report(shape, results, browser, file);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:explorer failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
