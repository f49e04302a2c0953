/**
 * GitHub runs in the CLI's explorer answers (issue 13): `query exposed` and `query source` name
 * the provider and link the run attempt and the commit on GitHub, in the table, --json and --csv;
 * `query image` and `query run --provider github` print the same links.
 */
import assert from 'node:assert/strict';
import { main } from '../../service/src/cli/main';
import { EXPOSED_CSV_HEADER, type ExposedLine } from '../../service/src/cli/exposedRows';
import { SOURCE_CSV_HEADER, type SourceLine } from '../../service/src/cli/sourceRows';
import { DATABASES } from './support/stores';
import { INGEST_TOKEN, READ_TOKEN, startTestService, type TestService } from './support/app';
import { API, seedExplorer } from './support/explorerSeed';
import { GITHUB_RUN_ID, GITHUB_SHA, makeGitHubReport } from './support/githubReports';
import { image } from './support/reports';

const RUN_URL = `https://github.com/contoso/shop/actions/runs/${GITHUB_RUN_ID}/attempts/1`;
const COMMIT_URL = `https://github.com/contoso/shop/commit/${GITHUB_SHA}`;

for (const kind of DATABASES) {
  describe(`GitHub runs in the query commands on ${kind.name}`, () => {
    let svc: TestService;
    let url: string;
    before(async () => {
      svc = await startTestService(kind);
      await seedExplorer(svc.app.store);
      // The seed's `api` workload runs an image no Azure DevOps run pushed: a GitHub workflow pushed it.
      const report = makeGitHubReport({ images: [image({ digest: API, repository: 'contoso/shop-api' })] });
      const sent = await svc.send(report, INGEST_TOKEN);
      assert.equal(sent.statusCode, 201, sent.body);
      url = await svc.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => svc.close());

    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['query', ...args], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: { CM_URL: url, CM_TOKEN: READ_TOKEN },
      });
      assert.equal(code, 0, err.join('\n'));
      return out.join('\n');
    };

    it('query exposed names the provider and links the run attempt and the commit on GitHub (--json, --csv)', async () => {
      const lines = JSON.parse(await run(['exposed', '--min-severity', 'low', '--json'])) as ExposedLine[];
      const api = lines.find((l) => l.digest === API);
      assert.deepEqual(
        api?.runs.map((r) => [r.provider, r.pipeline, r.runId, r.runUrl, r.commit, r.commitUrl]),
        [['github', 'CI', GITHUB_RUN_ID, RUN_URL, GITHUB_SHA, COMMIT_URL]],
      );
      const csv = (await run(['exposed', '--min-severity', 'low', '--csv'])).split('\r\n');
      assert.equal(csv[0], EXPOSED_CSV_HEADER.join(','));
      const row = csv.find((l) => l.includes(API));
      assert.ok(row?.includes(`,${RUN_URL},`), row);
      assert.ok(row?.endsWith(`,github,${COMMIT_URL}`), row);
      assert.match(
        await run(['exposed', '--min-severity', 'low']),
        new RegExp(`CI #${GITHUB_RUN_ID} \\(42\\) contoso/shop@${GITHUB_SHA.slice(0, 8)} main`),
      );
    });

    it('query source finds the repository and links the run and the commit on GitHub (--json, --csv)', async () => {
      const lines = JSON.parse(await run(['source', '--repository', 'contoso/shop', '--json'])) as SourceLine[];
      assert.deepEqual(
        lines.flatMap((l) => l.runs.map((r) => [l.digest, r.provider, r.runUrl, r.commitUrl])),
        [[API, 'github', RUN_URL, COMMIT_URL]],
      );
      const csv = (await run(['source', '--repository', 'contoso/shop', '--csv'])).split('\r\n');
      assert.equal(csv[0], SOURCE_CSV_HEADER.join(','));
      assert.ok(csv[1]?.endsWith(`,${RUN_URL},github,${COMMIT_URL}`), csv[1]);
    });

    it('query image and query run --provider github print the run attempt and the commit links', async () => {
      const detail = await run(['image', API]);
      assert.ok(detail.includes(`run ${GITHUB_RUN_ID} (42)  ${RUN_URL}`), detail);
      assert.ok(detail.includes(`  commit  ${COMMIT_URL}`), detail);
      const byRun = await run(['run', String(GITHUB_RUN_ID), '--provider', 'github']);
      assert.match(byRun, new RegExp(`${GITHUB_RUN_ID} \\(42\\)\\s+CI \\(GitHub\\)\\s+contoso/shop`));
    });
  });
}
