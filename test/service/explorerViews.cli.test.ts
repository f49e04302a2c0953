/**
 * `container-mapping query source`, `query coverage` (its unmapped list and `--csv`) and
 * `query image` (where the image runs, its findings) against a running app, and with --database
 * (issue 10, section 3).
 */
import assert from 'node:assert/strict';
import { main } from '../../service/src/cli/main';
import { COVERAGE_CSV_HEADER } from '../../service/src/cli/coverageRows';
import { SOURCE_CSV_HEADER, type SourceLine } from '../../service/src/cli/sourceRows';
import type { CoverageRow } from '../../service/src/store/explorer';
import { SQLITE } from './support/stores';
import { READ_TOKEN, startTestService, type TestService } from './support/app';
import { ADMIN, WEB, seedExplorer } from './support/explorerSeed';
import { digestOf, image, makeReport } from './support/reports';

const SHELVED = digestOf('shelved');

describe('The query source, query coverage and query image commands', () => {
  let svc: TestService;
  let url: string;
  before(async () => {
    svc = await startTestService(SQLITE);
    await seedExplorer(svc.app.store);
    const shelved = image({ digest: SHELVED, repository: 'team/shelved', tag: '0.1', pushedAt: '2026-03-01T12:30:00.000Z' });
    const context = { principal: 'test', receivedAt: new Date('2026-03-01T12:35:00Z'), ambiguityWindowMs: 1500 };
    await svc.app.store.ingest(makeReport({ pipeline: { runId: 14, runNumber: '20260301.3' }, images: [shelved] }), context);
    url = await svc.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => svc.close());

  const run = async (args: string[], env: Record<string, string | undefined> = { CM_URL: url, CM_TOKEN: READ_TOKEN }) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['query', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it("prints a source's images as a table: one row per image and workload, a row for an image running nowhere", async () => {
    const { code, out, err } = await run(['source', '--repository', 'web-api']);
    assert.equal(code, 0, err);
    const [header, shelved, web, ...rest] = out.split('\n');
    assert.match(header ?? '', /^IMAGE\s+PUSHED AT\s+RUN\s+COMMIT\s+WHERE\s+WORKLOAD\s+EXPOSED\s+CRIT\s+HIGH\s+MED\s+LOW\s+TOP FINDING$/);
    assert.deepEqual(rest, []);
    assert.match(
      shelved ?? '',
      /team\/shelved:0\.1@sha256:.*web-api CI #14 \(20260301\.3\)\s+4f9c2a7d refs\/heads\/main\s+not running\s+0\s+0\s+0\s+0\s+-$/,
    );
    assert.match(
      web ?? '',
      /web-api CI #13 \(20260301\.2\) \+1\s+4f9c2a7d refs\/heads\/main\s+prod\/shop\s+Deployment\/web\s+internet\s+1\s+1\s+2\s+1\s+CVE-/,
    );
  });

  it('prints query source --json as a bare array with every value in its own field, and --csv one line per row and push', async () => {
    const json = await run(['source', '--pipeline', '7', '--project', 'Shop', '--json']);
    assert.equal(json.code, 0, json.err);
    const lines = JSON.parse(json.out) as SourceLine[];
    assert.deepEqual(
      lines.map((l) => [l.digest, l.cluster, l.namespace, l.workloadKind, l.workloadName, l.internetExposed, l.runs.map((r) => r.runId)]),
      [
        [SHELVED, null, null, null, null, null, [14]],
        [WEB, 'prod', 'shop', 'Deployment', 'web', true, [13, 12]],
      ],
    );
    const web = lines[1];
    assert.deepEqual([web?.critical, web?.high, web?.medium, web?.low], [1, 1, 2, 1]);
    assert.equal(typeof web?.runs[0]?.pipelineId, 'number');
    assert.ok(web?.topFindings.some((f) => f.fixedVersion !== null));
    assert.ok(web?.exposure.some((e) => e.startsWith('LoadBalancer ')));

    const csv = await run(['source', '--pipeline', '7', '--csv']);
    assert.equal(csv.code, 0, csv.err);
    const rows = csv.out.split('\r\n');
    assert.equal(rows[0], SOURCE_CSV_HEADER.join(','));
    assert.equal(rows.length, 4, 'header, shelved × run 14, web × runs 13 and 12');
    assert.match(rows[1] ?? '', new RegExp(`^${SHELVED},,,,,,,0,0,0,0,0,0,,.*,14,20260301\\.3,`));
    assert.match(rows[2] ?? '', new RegExp(`^${WEB},prod,shop,Deployment,web,true,.*,13,20260301\\.2,`));
    assert.match(
      rows[3] ?? '',
      /,12,20260301\.1,4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c,refs\/heads\/main,https:\/\/dev\.azure\.com\/contoso\/Shop\/_build\/results\?buildId=12,azure-devops,$/,
    );

    const direct = await run(['source', '--pipeline', '7', '--project', 'Shop', '--json', '--database', svc.db.url], {});
    assert.equal(direct.code, 0, direct.err);
    assert.deepEqual(JSON.parse(direct.out), lines, 'the same rows from the store directly');
  });

  it('narrows query source by push time (--since, --until, inclusive), through the service and with --database alike', async () => {
    // Seeded for web-api: WEB by runs 12 (10:00) and 13 (11:00), SHELVED by run 14 (12:30).
    const digestsOf = async (conditions: string[]) => {
      const viaService = await run(['source', '--repository', 'web-api', '--json', ...conditions]);
      assert.equal(viaService.code, 0, viaService.err);
      const direct = await run(['source', '--repository', 'web-api', '--json', '--database', svc.db.url, ...conditions], {});
      assert.equal(direct.code, 0, direct.err);
      assert.deepEqual(JSON.parse(direct.out), JSON.parse(viaService.out), conditions.join(' '));
      return (JSON.parse(viaService.out) as SourceLine[]).map((line) => line.digest);
    };
    assert.deepEqual(await digestsOf([]), [SHELVED, WEB]);
    assert.deepEqual(await digestsOf(['--since', '2026-03-01T12:00:00Z']), [SHELVED]);
    assert.deepEqual(await digestsOf(['--until', '2026-03-01T11:00:00Z']), [WEB]);
    assert.deepEqual(await digestsOf(['--since', '2026-03-01T10:30:00Z', '--until', '2026-03-01T12:30:00Z']), [SHELVED, WEB]);
    assert.deepEqual(await digestsOf(['--since', '2026-03-01T12:30:00.001Z']), []);
    const bad = await run(['source', '--repository', 'web-api', '--until', 'soon'], {});
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--until is not a date-time/);
  });

  it('exits 2 when query source names no source or a malformed one', async () => {
    for (const [args, message] of [
      [['source'], /--repository <url\|id\|name> or --pipeline <definitionId>/],
      [['source', '--pipeline', 'web'], /--pipeline must be a pipeline \(definition\) id/],
      [['source', '--repository', 'web-api', '--json', '--csv'], /choose one of --json and --csv/],
    ] as const) {
      const { code, err } = await run([...args]);
      assert.equal(code, 2, args.join(' '));
      assert.match(err, message);
    }
  });

  it('prints coverage with the unmapped list under the table, and --csv one line per unmapped digest and workload', async () => {
    const table = await run(['coverage', '--cluster', 'prod']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /\n\nunmapped in prod\/shop:\n/);
    assert.match(table.out, new RegExp(`\\n  ${ADMIN}  contoso\\.azurecr\\.io/shop/admin:0\\.9\\.0  Deployment/admin(\\n|$)`));
    assert.doesNotMatch(table.out, new RegExp(`  ${WEB}  `), 'a mapped digest is not listed');

    const csv = await run(['coverage', '--csv']);
    assert.equal(csv.code, 0, csv.err);
    const rows = csv.out.split('\r\n');
    assert.equal(rows[0], COVERAGE_CSV_HEADER.join(','));
    const expected = await svc.app.store.coverage({ unmapped: true });
    const lineCount = expected.reduce(
      (n, row: CoverageRow) =>
        n +
        Math.max(
          1,
          (row.unmappedImages ?? []).reduce((m, i) => m + i.workloads.length, 0),
        ),
      0,
    );
    assert.equal(rows.length, 1 + lineCount);
    assert.ok(
      rows.includes(
        `prod,shop,${expected.find((r) => r.namespace === 'shop')?.images},1,${expected.find((r) => r.namespace === 'shop')?.unmapped},1,${ADMIN},contoso.azurecr.io/shop/admin:0.9.0,Deployment,admin`,
      ),
    );
  });

  it('prints where an image runs and its findings after its pushes; an unmapped one with no pushes', async () => {
    const web = await run(['image', WEB]);
    assert.equal(web.code, 0, web.err);
    assert.match(web.out, /\npushed by:\n/);
    assert.match(
      web.out,
      /\nruns in:\n  CLUSTER\s+NAMESPACE\s+WORKLOAD\s+EXPOSURE\s+SNAPSHOT\n  prod\s+shop\s+Deployment\/web\s+Ingress .*2026-03-02T08:00:00\.000Z\n/,
    );
    assert.match(web.out, /\nfindings: 1 critical, 1 high, 2 medium, 1 low, \d+ negligible, \d+ unknown\n  critical CVE-/);
    assert.match(web.out, /\n  scanned by \S+.* \(trivy\) at /);
    assert.match(web.out, /\n  scanned by \S+.* \(grype\) at /);

    const admin = await run(['image', ADMIN, '--database', svc.db.url], {});
    assert.equal(admin.code, 0, admin.err);
    assert.match(admin.out, /pushed by: no report names it \(unmapped\)/);
    assert.match(admin.out, /prod\s+shop\s+Deployment\/admin\s+-/);

    const json = await run(['image', WEB, '--json']);
    const detail = JSON.parse(json.out) as { pushes: unknown[]; running: unknown[]; findings: { scans: unknown[] } };
    assert.deepEqual([detail.pushes.length, detail.running.length, detail.findings.scans.length], [2, 1, 2]);

    const unknown = await run(['image', digestOf('never-seen')]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no image with digest sha256:[0-9a-f]{64} is known: never reported, running nowhere, never scanned/);
  });
});
