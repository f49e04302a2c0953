/**
 * The service process (`container-mapping serve`) on a real PostgreSQL that goes away under
 * ingestion load: its backends terminated (what a DBA or a failover does), and the whole
 * cluster stopped and started again. The process must stay up, answer 2xx or 503 problem+json
 * with `Retry-After` (never 500, never a dropped connection), say 503 on `/readyz` and on reads
 * while the database is away, and take reports again by itself when it is back: in the end
 * every report is stored exactly once.
 *
 * These tests use the fault tests' own cluster (FAULTS_POSTGRES_URL, 15/faults on port 5439),
 * never the one the other tests share.
 */
import assert from 'node:assert/strict';
import { hashToken } from '../../service/src/auth/staticTokens';
import { freePort, startService, type ServiceProcess } from '../e2e/support/serviceProcess';
import { createFaultyDatabase, startFaultsCluster, stopFaultsCluster, type FaultyDatabase } from './support/faultyPostgres';
import { ReportLoad, describeUnavailable, sendReport } from './support/reportLoad';
import { digestOf, image, makeReport } from './support/reports';

const TOKEN = 'cmt_outage-test-token-0123456789';

async function get(service: ServiceProcess, path: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) };
}

/** Asserts the answer is the documented 503 (problem+json, Retry-After). */
function assertUnavailable(answer: { status: number; headers: Headers; body: unknown }, what: string): void {
  assert.equal(describeUnavailable(answer.status, answer.headers, answer.body), null, `${what}: ${JSON.stringify(answer.body)}`);
}

describe('The service process when PostgreSQL goes away under load', function () {
  this.timeout(180_000);
  let db: FaultyDatabase;
  let service: ServiceProcess | undefined;
  let load: ReportLoad | undefined;

  beforeEach(async () => {
    db = await createFaultyDatabase();
    service = await startService(await freePort(), {
      CM_DATABASE_URL: db.url,
      CM_TOKENS: JSON.stringify([{ name: 'outage-test', sha256: hashToken(TOKEN), scopes: ['ingest', 'read'] }]),
    });
  });
  afterEach(async () => {
    await load?.stop();
    load = undefined;
    // A test that failed half-way must not leave the cluster down for the next one.
    await startFaultsCluster();
    await service?.stop();
    service = undefined;
    await db.destroy();
  });

  /** The process is still the one started, and every report sent is stored exactly once. */
  async function assertRecovered(svc: ServiceProcess, run: ReportLoad): Promise<void> {
    await run.resendRefused();
    assert.deepEqual(run.unexpected, [], 'every answer was 2xx or a well-formed 503');
    assert.equal(svc.exitCode(), null, `the service exited:\n${svc.log()}`);
    assert.equal((await get(svc, '/readyz')).status, 200);
    assert.equal(run.acked.size, run.sent.size, 'every report was acknowledged in the end');
    const stored = await db.query<{ idempotency_key: string; pushes: number }>(
      `SELECT r.idempotency_key, count(p.id)::int AS pushes FROM ${db.schema}.reports r
         LEFT JOIN ${db.schema}.pushes p ON p.report_id = r.id GROUP BY r.id, r.idempotency_key`,
    );
    assert.equal(stored.length, run.sent.size, 'one report row per report sent');
    assert.deepEqual(new Set(stored.map((r) => r.idempotency_key)), new Set(run.sent.keys()));
    assert.deepEqual(
      stored.filter((r) => r.pushes !== 1),
      [],
      'each report has its one push, once',
    );
  }

  it("stays up and loses nothing when the service's backends are terminated mid-load", async () => {
    const svc = service!;
    load = new ReportLoad(svc.url, TOKEN, `terminate-${db.applicationName}`);
    await load.ackedMore(40);
    let terminated = 0;
    for (let round = 0; round < 3; round++) {
      terminated += await db.terminateServiceBackends();
      // Ingestion resumes by itself after each round.
      await load.ackedMore(20);
    }
    assert.ok(terminated >= 3, `only ${terminated} backends were terminated`);
    await load.stop();
    await assertRecovered(svc, load);
  });

  it('answers 503 while the cluster is stopped, and ingests again once it is started', async () => {
    const svc = service!;
    load = new ReportLoad(svc.url, TOKEN, `restart-${db.applicationName}`);
    await load.ackedMore(40);
    const storedDigest = load.sent.get([...load.acked][0]!)!.images[0]!.digest;

    await stopFaultsCluster();
    await load.refusedMore(5);
    assertUnavailable(await get(svc, '/readyz'), 'GET /readyz');
    assertUnavailable(await get(svc, `/api/v1/images/${storedDigest}`), 'GET /api/v1/images/{digest}');
    assertUnavailable(await get(svc, '/api/v1/images?repository=team/web-api'), 'GET /api/v1/images');
    assertUnavailable(await get(svc, '/api/v1/runs/100000'), 'GET /api/v1/runs/{runId}');
    const during = makeReport({ pipeline: { runId: 99 }, images: [image({ digest: digestOf('sent during the outage') })] });
    assert.equal(await sendReport(svc.url, TOKEN, during), 'unavailable');
    assert.equal(svc.exitCode(), null, `the service exited:\n${svc.log()}`);

    await startFaultsCluster();
    const readiness: number[] = [];
    for (let i = 0; i < 100 && readiness.at(-1) !== 200; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      readiness.push((await get(svc, '/readyz')).status);
    }
    assert.equal(readiness.at(-1), 200, `/readyz answered ${readiness.join(', ')}`);
    await load.ackedMore(40);
    await load.stop();
    load.sent.set(during.idempotencyKey, during);
    load.refused.push(during);
    await assertRecovered(svc, load);
    assert.equal((await get(svc, `/api/v1/images/${storedDigest}`)).status, 200);
  });
});
