/**
 * `container-mapping backfill --github` on both databases, against the loopback stand-in of
 * GitHub's artifact storage and REST API (`test/support/githubArtifacts.ts`): the action's real
 * upload (@actions/artifact through keepReportAsArtifact) → the CLI → the service's query routes.
 */
import { strict as assert } from 'node:assert';
import AdmZip from 'adm-zip';
import { GITHUB_REPORT_ARTIFACT_FILE } from '../../common/contract';
import type { GitHubReport } from '../../common/githubReport';
import { keepReportAsArtifact, reportArtifactName } from '../../github-action/src/artifact';
import { buildApp, type MappingApp } from '../../service/src/app';
import { hashToken } from '../../service/src/auth/staticTokens';
import { main } from '../../service/src/cli/main';
import type { ImageDetail, ImagePushPage } from '../../service/src/schemas/images';
import { standInRunOf, startGitHubArtifacts, withRunnerEnvironment, type GitHubArtifactsStandIn } from '../support/githubArtifacts';
import { GITHUB_RUN_ID, GITHUB_SHA, makeGitHubReport } from '../service/support/githubReports';
import { makeReport } from '../service/support/reports';
import { DATABASES, type TestDatabase } from '../service/support/stores';

const GITHUB_TOKEN = 'ghs_standInInstallationToken0123456789';
const READ_TOKEN = 'cmt_backfill-github-reader-0123456789';

/** A zip of one report file, as the action's artifact holds it. */
function zipOf(text: string, name = GITHUB_REPORT_ARTIFACT_FILE): Buffer {
  const zip = new AdmZip();
  zip.addFile(name, Buffer.from(text));
  return zip.toBuffer();
}

for (const kind of DATABASES) {
  describe(`backfill --github on ${kind.name}`, function () {
    this.timeout(60_000);
    let standIn: GitHubArtifactsStandIn;
    let db: TestDatabase;
    let app: MappingApp | undefined;

    beforeEach(async () => {
      standIn = await startGitHubArtifacts();
      standIn.allowToken(GITHUB_TOKEN);
      db = await kind.create();
    });
    afterEach(async () => {
      await app?.close();
      app = undefined;
      await standIn.close();
      await db.destroy();
    });

    /** Runs the CLI as an operator would, with the token in the environment. */
    async function backfill(...extra: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(
        [
          'backfill',
          '--github',
          '--repository',
          'contoso/shop',
          '--api-url',
          standIn.url,
          // The stand-in's API stands for api.github.com's (a later --server-url wins).
          '--server-url',
          'https://github.com',
          '--database',
          db.url,
          '--since',
          '2d',
          ...extra,
        ],
        { out: (l) => out.push(l), err: (l) => err.push(l), env: { CM_GITHUB_TOKEN: GITHUB_TOKEN } },
      );
      const text = [...out, ...err].join('\n');
      assert.ok(!text.includes(GITHUB_TOKEN), 'the token was printed');
      return { code, out: out.join('\n'), err: err.join('\n') };
    }

    /** Keeps `report` as the action does, with the real @actions/artifact client. */
    async function keepAsTheActionDoes(report: GitHubReport): Promise<void> {
      const restore = withRunnerEnvironment({ ...standIn.addRun(standInRunOf(report)), GITHUB_SERVER_URL: 'https://github.com' });
      try {
        const kept = await keepReportAsArtifact(report, { info: () => undefined, warning: (l) => assert.fail(l) });
        assert.equal(kept.kept, true, kept.reason);
      } finally {
        restore();
      }
    }

    async function reader(): Promise<MappingApp> {
      app = await buildApp({
        store: await db.open(),
        logger: false,
        config: { tokens: [{ name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] }] },
      });
      return app;
    }

    async function storedCounts() {
      const store = await db.open();
      return store.counts();
    }

    it('stores the report the action kept as an artifact, and the service answers its run with links to the run and the commit', async () => {
      const report = makeGitHubReport();
      await keepAsTheActionDoes(report);

      const result = await backfill();

      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /found 1 report artifact: 1 new, 0 replaced, 0 unchanged, 0 expired, 0 rejected/);
      const service = await reader();
      const headers = { authorization: `Bearer ${READ_TOKEN}` };
      const byRun = await service.inject({ method: 'GET', url: `/api/v1/runs/${GITHUB_RUN_ID}?provider=github`, headers });
      assert.equal(byRun.statusCode, 200, byRun.body);
      assert.deepEqual(
        byRun.json<ImagePushPage>().items.map((p) => p.digest),
        [report.images[0]?.digest],
      );
      const byDigest = await service.inject({ method: 'GET', url: `/api/v1/images/${report.images[0]?.digest}`, headers });
      const push = byDigest.json<ImageDetail>().pushes[0];
      assert.equal(push?.provider, 'github');
      assert.equal(push?.github?.runUrl, `https://github.com/contoso/shop/actions/runs/${GITHUB_RUN_ID}/attempts/1`);
      assert.equal(push?.github?.commitUrl, `https://github.com/contoso/shop/commit/${GITHUB_SHA}`);
    });

    it('stores nothing twice when run twice', async () => {
      await keepAsTheActionDoes(makeGitHubReport());
      assert.equal((await backfill()).code, 0);
      const after = await storedCounts();

      const again = await backfill();

      assert.equal(again.code, 0, again.err);
      assert.match(again.out, /0 new, 0 replaced, 1 unchanged/);
      assert.deepEqual(await storedCounts(), after);
    });

    it('reads one run with --run-id, and every job of it (one artifact per job)', async () => {
      await keepAsTheActionDoes(makeGitHubReport({ github: { job: 'build (linux)' } }));
      await keepAsTheActionDoes(makeGitHubReport({ github: { job: 'build (windows)' } }));

      const result = await backfill('--run-id', String(GITHUB_RUN_ID));

      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /found 2 report artifacts: 2 new/);
      assert.ok(standIn.requests.includes(`GET /repos/contoso/shop/actions/runs/${GITHUB_RUN_ID}/artifacts`));
    });

    it("follows the listing's Link header to the next page", async () => {
      const good = makeGitHubReport({ github: { job: 'oldest' } });
      const run = standInRunOf(good);
      standIn.putArtifact(run, reportArtifactName(good), zipOf(JSON.stringify(good)));
      // 100 newer ones fill the first page (GitHub's maximum per_page); expired, so none is downloaded.
      for (let i = 0; i < 100; i++) standIn.putArtifact(run, `container-mapping-report-${i}`, Buffer.alloc(0), { expired: true });

      const result = await backfill();

      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /found 101 report artifacts: 1 new, 0 replaced, 0 unchanged, 100 expired, 0 rejected/);
    });

    it('leaves out artifacts older than --since (default 7 days), and reads a run named by --run-id whole', async () => {
      const old = makeGitHubReport();
      standIn.putArtifact(standInRunOf(old), reportArtifactName(old), zipOf(JSON.stringify(old)), {
        createdAt: new Date(Date.now() - 30 * 86_400_000),
      });
      const cli = async (...args: string[]) => {
        const lines: string[] = [];
        const code = await main(
          [
            'backfill',
            '--github',
            '--repository',
            'contoso/shop',
            '--api-url',
            standIn.url,
            '--server-url',
            'https://github.com',
            '--database',
            db.url,
            ...args,
          ],
          { out: (l) => lines.push(l), err: (l) => lines.push(l), env: { GITHUB_TOKEN } },
        );
        return { code, text: lines.join('\n') };
      };

      const byDefault = await cli();
      assert.equal(byDefault.code, 0, byDefault.text);
      assert.match(byDefault.text, /found 0 report artifacts/);

      const byRun = await cli('--run-id', String(GITHUB_RUN_ID));
      assert.equal(byRun.code, 0, byRun.text);
      assert.match(byRun.text, /found 1 report artifact: 1 new/);
    });

    it('lists an expired artifact as such and stores nothing from it', async () => {
      const report = makeGitHubReport();
      const artifact = standIn.putArtifact(standInRunOf(report), reportArtifactName(report), zipOf(JSON.stringify(report)), {
        expired: true,
      });
      const before = await storedCounts();

      const result = await backfill();

      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /1 expired, 0 rejected/);
      assert.match(
        result.err,
        new RegExp(`expired: artifact ${reportArtifactName(report)} \\(${artifact.id}\\) of run ${GITHUB_RUN_ID} of contoso/shop`),
      );
      assert.deepEqual(await storedCounts(), before);
    });

    it('names a corrupt zip and a zip without the report, skips them, and stores the good artifact', async () => {
      const good = makeGitHubReport({ github: { job: 'good' } });
      const run = standInRunOf(good);
      const corrupt = zipOf(JSON.stringify(makeGitHubReport({ github: { job: 'corrupt' } })));
      // Overwrite the entry's deflated data (after the 30-byte local header, its name and extra field).
      const dataStart = 30 + corrupt.readUInt16LE(26) + corrupt.readUInt16LE(28);
      corrupt.fill(0x41, dataStart, dataStart + 8);
      standIn.putArtifact(run, 'container-mapping-report-corrupt', corrupt);
      standIn.putArtifact(run, 'container-mapping-report-empty', zipOf('{}', 'something-else.txt'));
      standIn.putArtifact(run, 'container-mapping-report-notjson', zipOf('{ not json'));
      standIn.putArtifact(run, 'unrelated-artifact', Buffer.from('not ours, not read'));
      standIn.putArtifact(run, reportArtifactName(good), zipOf(JSON.stringify(good)));

      const result = await backfill();

      assert.equal(result.code, 1, result.out);
      assert.match(result.out, /found 4 report artifacts: 1 new, 0 replaced, 0 unchanged, 0 expired, 3 rejected/);
      assert.match(
        result.err,
        /rejected artifact container-mapping-report-corrupt \(\d+\) of run \d+ of contoso\/shop: not a readable zip/,
      );
      assert.match(result.err, /rejected artifact container-mapping-report-empty .*: the zip holds no container-mapping-report.json/);
      assert.match(result.err, /rejected artifact container-mapping-report-notjson .*: not JSON/);
      assert.equal((await storedCounts()).reports, 1);
    });

    it('refuses a report naming another repository, another run or another commit than the run that holds its artifact, and an Azure DevOps report', async () => {
      const report = makeGitHubReport();
      const run = standInRunOf(report);
      const other = (job: string, github: Parameters<typeof makeGitHubReport>[0]) =>
        makeGitHubReport({ github: { job, ...github?.github } });
      standIn.putArtifact(
        run,
        'container-mapping-report-a',
        zipOf(JSON.stringify(other('a', { github: { repository: 'contoso/other', repositoryId: '999' } }))),
      );
      standIn.putArtifact(run, 'container-mapping-report-b', zipOf(JSON.stringify(other('b', { github: { runId: GITHUB_RUN_ID + 1 } }))));
      standIn.putArtifact(run, 'container-mapping-report-c', zipOf(JSON.stringify(other('c', { github: { sha: 'f'.repeat(40) } }))));
      standIn.putArtifact(run, 'container-mapping-report-d', zipOf(JSON.stringify(other('d', { github: { runAttempt: 2 } }))));
      standIn.putArtifact(run, 'container-mapping-report-e', zipOf(JSON.stringify(makeReport())));
      const before = await storedCounts();

      const result = await backfill();

      assert.equal(result.code, 1);
      assert.match(result.out, /5 rejected/);
      assert.match(
        result.err,
        /container-mapping-report-a .*not its run's: \/github\/repository is not the repository .*\/github\/repositoryId/,
      );
      assert.match(result.err, /container-mapping-report-b .*\/github\/runId is not the id of the run/);
      assert.match(result.err, /container-mapping-report-c .*\/github\/sha is not the commit of the run/);
      assert.match(result.err, /container-mapping-report-d .*\/github\/runAttempt is past the latest attempt/);
      assert.match(result.err, /container-mapping-report-e .*\/schemaVersion/);
      assert.deepEqual(await storedCounts(), before);
    });

    it('ends with exit code 1 and says the token was refused (401), printing no token, storing nothing', async () => {
      await keepAsTheActionDoes(makeGitHubReport());
      const out: string[] = [];
      const code = await main(['backfill', '--github', '--repository', 'contoso/shop', '--api-url', standIn.url, '--database', db.url], {
        out: (l) => out.push(l),
        err: (l) => out.push(l),
        env: { GITHUB_TOKEN: 'ghp_notAllowedByTheStandIn0123' },
      });

      assert.equal(code, 1);
      assert.match(out.join('\n'), /GitHub refused the token .*\(401: Bad credentials\).*actions:read/);
      assert.ok(!out.join('\n').includes('ghp_notAllowedByTheStandIn0123'));
      assert.equal((await storedCounts()).reports, 0);
    });

    it("ends with exit code 1 and says when GitHub's rate limit resets", async () => {
      await keepAsTheActionDoes(makeGitHubReport());
      standIn.rateLimited = true;

      const result = await backfill();

      assert.equal(result.code, 1);
      assert.match(result.err, /GitHub's rate limit stopped .*\(403: API rate limit exceeded.*\); the limit resets at \d{4}-\d\d-\d\dT/);
      assert.equal((await storedCounts()).reports, 0);
    });

    it("reads an Enterprise Server's API under /api/v3 and holds reports to that server", async () => {
      const report = makeGitHubReport({ github: { serverUrl: 'https://github.contoso.com' } });
      standIn.putArtifact(standInRunOf(report), reportArtifactName(report), zipOf(JSON.stringify(report)));
      const wrongServer = makeGitHubReport({ github: { job: 'other' } });
      standIn.putArtifact(standInRunOf(wrongServer), reportArtifactName(wrongServer), zipOf(JSON.stringify(wrongServer)));

      const result = await backfill('--api-url', `${standIn.url}/api/v3`, '--server-url', 'https://github.contoso.com');

      assert.equal(result.code, 1, result.err);
      assert.match(result.out, /1 new, .* 1 rejected/);
      assert.match(result.err, /\/github\/serverUrl is not the server of the run that holds the artifact \(https:\/\/github.contoso.com\)/);
      assert.ok(standIn.requests.some((r) => r.startsWith('GET /api/v3/repos/contoso/shop/actions/artifacts')));
    });
  });
}

describe('backfill --github arguments', () => {
  async function usage(args: string[], env: Record<string, string> = { GITHUB_TOKEN: 'x' }) {
    const lines: string[] = [];
    const code = await main(['backfill', '--github', ...args], { out: (l) => lines.push(l), err: (l) => lines.push(l), env });
    return { code, text: lines.join('\n') };
  }

  it('exits 2 naming what is missing or wrong', async () => {
    assert.deepEqual(await usage([]).then((r) => [r.code, /--repository OWNER\/REPO is required/.test(r.text)]), [2, true]);
    assert.deepEqual(await usage(['--repository', 'not-a-repo']).then((r) => [r.code, /"not-a-repo" is not OWNER\/REPO/.test(r.text)]), [
      2,
      true,
    ]);
    assert.deepEqual(
      await usage(['--repository', 'a/b', '--repository', 'a/c', '--run-id', '5']).then((r) => [
        r.code,
        /give one --repository/.test(r.text),
      ]),
      [2, true],
    );
    assert.deepEqual(await usage(['--repository', 'a/b', '--run-id', '5x']).then((r) => [r.code, /"5x" is not a run id/.test(r.text)]), [
      2,
      true,
    ]);
    assert.deepEqual(await usage(['--repository', 'a/b'], {}).then((r) => [r.code, /CM_GITHUB_TOKEN or GITHUB_TOKEN/.test(r.text)]), [
      2,
      true,
    ]);
    assert.deepEqual(
      await usage(['--repository', 'a/b', '--project', 'Shop']).then((r) => [r.code, /--project is for Azure DevOps/.test(r.text)]),
      [2, true],
    );
    const lines: string[] = [];
    const code = await main(['backfill', '--repository', 'a/b'], { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {} });
    assert.deepEqual([code, /--repository reads GitHub artifacts: add --github/.test(lines.join('\n'))], [2, true]);
  });
});
