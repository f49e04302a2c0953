/**
 * `container-mapping query exposed` and `query coverage` against a running app (issue 10):
 * the table, the bare `--json` array of flat rows, and RFC 4180 `--csv`.
 */
import assert from 'node:assert/strict';
import { main } from '../../service/src/cli/main';
import { csvField, EXPOSED_CSV_HEADER, type ExposedLine } from '../../service/src/cli/exposedRows';
import { DATABASES, type DatabaseKind } from './support/stores';
import { READ_TOKEN, startTestService, type TestService } from './support/app';
import { API, WEB, seedExplorer } from './support/explorerSeed';

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

describe('CSV fields of query exposed', () => {
  const cases: [string | number | null, string][] = [
    ['plain', 'plain'],
    [12, '12'],
    [null, ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
  ];
  for (const [value, expected] of cases) {
    it(`writes ${JSON.stringify(value)} as ${JSON.stringify(expected)}`, () => assert.equal(csvField(value), expected));
  }
});

for (const kind of DATABASES) describe(`The query exposed and query coverage commands on ${kind.name}`, () => queryCommands(kind));

/** The commands against a service listening on loopback, on a fresh database of `kind`. */
function queryCommands(kind: DatabaseKind): void {
  let svc: TestService;
  let url: string;
  before(async () => {
    svc = await startTestService(kind);
    await seedExplorer(svc.app.store);
    url = await svc.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => svc.close());

  const run = async (args: string[], env: Record<string, string | undefined> = { CM_URL: url, CM_TOKEN: READ_TOKEN }) => {
    const c = capture(env);
    const code = await main(['query', ...args], c.io);
    return { code, out: c.out.join('\n'), err: c.err.join('\n') };
  };

  it('prints one table row per workload and image, with its runs or unmapped', async () => {
    const { code, out, err } = await run(['exposed', '--min-severity', 'high']);
    assert.equal(code, 0, err);
    const [header, apiRow, webRow, webRun12, ...rest] = out.split('\n');
    assert.match(header ?? '', /^CLUSTER\s+NAMESPACE\s+WORKLOAD\s+EXPOSURE\s+IMAGE\s+CRIT\s+HIGH\s+MED\s+LOW\s+RUNS$/);
    assert.deepEqual(rest, []);
    assert.match(apiRow ?? '', /^prod\s+shop\s+Deployment\/api\s+Ingress .*unmapped$/);
    assert.match(
      webRow ?? '',
      new RegExp(`^prod\\s+shop\\s+Deployment/web\\s+Ingress ×2, LoadBalancer\\s+.*@${WEB.slice(0, 19)}\\s+1\\s+1\\s+2\\s+1\\s+`),
    );
    assert.match(webRow ?? '', /#13 \(20260301\.2\) web-api@4f9c2a7d main$/, 'the run, the repository and commit it built');
    assert.match(webRun12 ?? '', /^\s+web-api CI #12 \(20260301\.1\) web-api@4f9c2a7d main$/, 'a further run on a line of its own');
  });

  it('prints --json as a bare array with every value in its own field', async () => {
    const { code, out, err } = await run(['exposed', '--min-severity', 'high', '--json']);
    assert.equal(code, 0, err);
    const lines = JSON.parse(out) as ExposedLine[];
    assert.ok(Array.isArray(lines));
    assert.deepEqual(
      lines.map((l) => [l.cluster, l.namespace, l.workloadKind, l.workloadName, l.digest]),
      [
        ['prod', 'shop', 'Deployment', 'api', API],
        ['prod', 'shop', 'Deployment', 'web', WEB],
      ],
    );
    const web = lines[1];
    assert.deepEqual([web?.critical, web?.high, web?.medium, web?.low], [1, 1, 2, 1]);
    assert.deepEqual(
      web?.runs.map((r) => [r.runId, r.runNumber]),
      [
        [13, '20260301.2'],
        [12, '20260301.1'],
      ],
    );
    assert.equal(typeof web?.runs[0]?.pipelineId, 'number');
    const { runUrl, job, repositoryName, repositoryUrl, attribution } = web?.runs[1] ?? {};
    assert.deepEqual(
      { runUrl, job, repositoryName, repositoryUrl, attribution },
      {
        runUrl: 'https://dev.azure.com/contoso/Shop/_build/results?buildId=12',
        job: 'Build',
        repositoryName: 'web-api',
        repositoryUrl: 'https://contoso@dev.azure.com/contoso/Shop/_git/web-api',
        attribution: 'exclusive',
      },
      'the run URL, job, source repository and attribution of each run, each in its own field',
    );
    assert.deepEqual(lines[0]?.runs, []);
  });

  it('prints --csv with one line per row and run, and one line with empty run fields for an unmapped image', async () => {
    const { code, out, err } = await run(['exposed', '--min-severity', 'high', '--csv']);
    assert.equal(code, 0, err);
    const lines = out.split('\r\n');
    assert.equal(lines[0], EXPOSED_CSV_HEADER.join(','));
    assert.equal(lines.length, 4, 'header, api (unmapped), web × runs 13 and 12');
    assert.match(lines[1] ?? '', new RegExp(`^prod,shop,Deployment,api,.*,${API},0,1,1,2,0,1,,,,,,,,,,,,,,$`));
    assert.match(lines[2] ?? '', /^prod,shop,Deployment,web,.*,13,20260301\.2,/);
    assert.match(lines[3] ?? '', /^prod,shop,Deployment,web,.*,12,20260301\.1,/);
    assert.match(
      lines[3] ?? '',
      /,refs\/heads\/main,https:\/\/dev\.azure\.com\/contoso\/Shop\/_build\/results\?buildId=12,Build,web-api,https:\/\/contoso@dev\.azure\.com\/contoso\/Shop\/_git\/web-api,exclusive,sha256:[0-9a-f]{64},azure-devops,$/,
    );
  });

  it('reads the URL and token from flags as well as from CM_URL and CM_TOKEN', async () => {
    const { code, err } = await run(['exposed', '--min-severity', 'critical', '--url', url, '--token', READ_TOKEN, '--json'], {});
    assert.equal(code, 0, err);
    const refused = await run(['coverage'], { CM_URL: url });
    assert.equal(refused.code, 1);
    assert.match(refused.err, /the service answered 401/);
  });

  it('answers the same rows from the store directly with --database', async () => {
    const viaService = await run(['exposed', '--min-severity', 'medium', '--json']);
    const direct = await run(['exposed', '--min-severity', 'medium', '--json', '--database', svc.db.url], {});
    assert.equal(direct.code, 0, direct.err);
    assert.deepEqual(JSON.parse(direct.out), JSON.parse(viaService.out));
  });

  it('exits 2 naming --min-severity when it is missing or unknown', async () => {
    for (const args of [['exposed'], ['exposed', '--min-severity', 'severe']]) {
      const { code, err } = await run(args);
      assert.equal(code, 2);
      assert.match(err, /--min-severity low\|medium\|high\|critical/);
    }
  });

  it('narrows query exposed by the "Pushed by" conditions, through the service and with --database alike', async () => {
    // Seeded: WEB pushed by web-api's runs 12 (10:00) and 13 (11:00); API and ADMIN pushed by no run.
    const digestsOf = async (conditions: string[]) => {
      const viaService = await run(['exposed', '--min-severity', 'low', '--json', ...conditions]);
      assert.equal(viaService.code, 0, viaService.err);
      const direct = await run(['exposed', '--min-severity', 'low', '--json', '--database', svc.db.url, ...conditions], {});
      assert.equal(direct.code, 0, direct.err);
      assert.deepEqual(JSON.parse(direct.out), JSON.parse(viaService.out), conditions.join(' '));
      return (JSON.parse(viaService.out) as ExposedLine[]).map((line) => line.digest);
    };
    const all = await digestsOf([]);
    assert.ok(all.includes(API) && all.includes(WEB), 'without conditions: mapped and unmapped rows');
    assert.deepEqual(await digestsOf(['--repository', 'web-api']), [WEB]);
    assert.deepEqual(await digestsOf(['--repository', 'other-repo']), []);
    assert.deepEqual(await digestsOf(['--since', '2026-03-01T10:30:00Z']), [WEB], 'run 13 pushed at 11:00');
    assert.deepEqual(await digestsOf(['--since', '2026-03-01T11:00:00.001Z']), []);
    assert.deepEqual(await digestsOf(['--until', '2026-03-01T10:00:00Z']), [WEB], 'until is inclusive: run 12 pushed at 10:00');
    assert.deepEqual(await digestsOf(['--until', '2026-03-01T09:59:59Z']), []);
    assert.deepEqual(await digestsOf(['--organization', 'contoso', '--project', 'Shop']), [WEB]);
    assert.deepEqual(await digestsOf(['--organization', 'fabrikam']), []);
  });

  it('exits 2 naming --since or --until when a date is bad or the range is empty, before asking anything', async () => {
    for (const [args, message] of [
      [['--since', 'yesterday'], /--since is not a date-time/],
      [['--until', '2026-13-01T00:00:00Z'], /--until is not a date-time/],
      [['--since', '2026-03-02T00:00:00Z', '--until', '2026-03-01T00:00:00Z'], /--until is before since \(2026-03-02T00:00:00Z\)/],
    ] as const) {
      // No URL and no database: a usage error must come before any request.
      const { code, err } = await run(['exposed', '--min-severity', 'high', ...args], {});
      assert.equal(code, 2, args.join(' '));
      assert.match(err, message);
    }
  });

  it('prints coverage per cluster and namespace, with the unmapped list, as a table and as --json', async () => {
    const expected = await svc.app.store.coverage({ unmapped: true });
    const json = await run(['coverage', '--json']);
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out), expected);
    const table = await run(['coverage', '--cluster', 'prod']);
    assert.match(table.out, /^CLUSTER\s+NAMESPACE\s+IMAGES\s+MAPPED\s+UNMAPPED\s+UNRESOLVED\n/);
    assert.match(table.out, /\nprod\s+shop\s+\d+\s+1\s+\d+\s+\d+/);
  });
}
