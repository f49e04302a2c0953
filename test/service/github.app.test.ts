/**
 * GitHub Actions runs as a source (issue 13, the service side): version-2 reports verified with
 * GitHub-shaped OIDC tokens from a loopback issuer stand-in (discovery + JWKS, its own key), held
 * against the report, stored on both databases and answered by every push query.
 */
import assert from 'node:assert/strict';
import { generateKeyPair } from 'jose';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { GitHubClaims } from '../../service/src/auth/githubClaims';
import type { ImageDetail, ImagePush, ImagePushPage } from '../../service/src/schemas/images';
import type { GitHubReport } from '../../common/githubReport';
import { claimsFromGitHubEnvironment, GitHubIssuerStandIn } from '../support/githubIssuer';
import { DATABASES } from './support/stores';
import { INGEST_TOKEN, startTestService, type TestService } from './support/app';
import { GITHUB_OWNER, GITHUB_OWNER_ID, GITHUB_RUN_ID, GITHUB_SHA, makeGitHubReport, runnerEnvironmentOf } from './support/githubReports';
import { makeReport } from './support/reports';

interface Problem {
  status: number;
  detail: string;
  pointer?: string;
  errors?: Array<{ pointer?: string; detail: string }>;
}

for (const kind of DATABASES) {
  describe(`GitHub Actions runs on ${kind.name}`, () => {
    let svc: TestService;
    let github: GitHubIssuerStandIn;
    const report = makeGitHubReport();
    const claimsOf = (r: GitHubReport, audience = 'container-mapping') => claimsFromGitHubEnvironment(runnerEnvironmentOf(r), audience);

    beforeEach(async () => {
      github = await GitHubIssuerStandIn.start();
      svc = await startTestService(kind, {
        githubOwners: [{ name: GITHUB_OWNER, id: GITHUB_OWNER_ID, issuer: github.issuer }],
        tokens: [
          { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
          { name: 'reader', sha256: hashToken('cmt_test-read-token-0123456789'), scopes: ['read'] },
          { name: 'contoso-github', sha256: hashToken('cmt_contoso_gh'), scopes: ['ingest'], organization: 'https://github.com/contoso' },
          { name: 'contoso-ado', sha256: hashToken('cmt_contoso_ado'), scopes: ['ingest'], organization: 'contoso' },
          { name: 'gh-reader', sha256: hashToken('cmt_gh_reader'), scopes: ['read'], organization: 'https://github.com/contoso' },
          { name: 'ado-reader', sha256: hashToken('cmt_ado_reader'), scopes: ['read'], organization: 'contoso' },
        ],
      });
    });
    afterEach(async () => {
      await svc.close();
      await github.close();
    });

    const post = (body: unknown, token: string) =>
      svc.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: body as object });

    /** Sends and expects a refusal that names `reason` (and `pointer`, when given) and leaves the store as it was. */
    async function expectRefused(body: unknown, token: string, status: 401 | 403, reason: RegExp, pointer?: string): Promise<Problem> {
      const before = await svc.app.store.counts();
      const response = await post(body, token);
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      const problem = response.json<Problem>();
      assert.match(problem.detail, reason);
      if (pointer !== undefined)
        assert.ok(
          problem.errors?.some((e) => e.pointer === pointer),
          `no error names ${pointer}: ${response.body}`,
        );
      assert.deepEqual(await svc.app.store.counts(), before, 'a refused report changed the store');
      return problem;
    }

    async function pushOf(digest: string): Promise<ImagePush> {
      const read = await svc.read(`/api/v1/images/${digest}`);
      assert.equal(read.statusCode, 200, read.body);
      const push = read.json<ImageDetail>().pushes[0];
      assert.ok(push);
      return push;
    }

    it('accepts a report with a GitHub token for its own run and answers it as a GitHub run with links', async () => {
      const response = await post(report, await github.mint(claimsOf(report)));
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(response.json<{ status: string }>().status, 'created');

      const push = await pushOf(report.images[0]!.digest);
      assert.equal(push.provider, 'github');
      assert.deepEqual(push.github, {
        serverUrl: 'https://github.com',
        owner: 'contoso',
        ownerId: GITHUB_OWNER_ID,
        repository: 'contoso/shop',
        repositoryId: '424242',
        workflow: 'CI',
        workflowRef: 'contoso/shop/.github/workflows/ci.yml@refs/heads/main',
        runId: GITHUB_RUN_ID,
        runNumber: 42,
        runAttempt: 1,
        job: 'build',
        runnerEnvironment: 'github-hosted',
        eventName: 'push',
        runUrl: `https://github.com/contoso/shop/actions/runs/${GITHUB_RUN_ID}/attempts/1`,
        commitUrl: `https://github.com/contoso/shop/commit/${GITHUB_SHA}`,
      });
      // The same run in the fields every client already reads.
      assert.deepEqual(push.organization, { url: 'https://github.com/contoso', name: 'contoso' });
      assert.deepEqual(push.project, { id: '424242', name: 'contoso/shop' });
      assert.deepEqual(push.run, {
        id: GITHUB_RUN_ID,
        number: '42',
        url: `https://github.com/contoso/shop/actions/runs/${GITHUB_RUN_ID}/attempts/1`,
      });
      assert.equal(push.commit, GITHUB_SHA);
      assert.equal(push.branch, 'refs/heads/main');
      assert.deepEqual(push.agent, { name: 'GitHub Actions 2', os: 'Linux', selfHosted: false });
      assert.equal(push.sourceRepository.url, 'https://github.com/contoso/shop');
    });

    it('keeps the GitHub report as sent, and a re-send of it is unchanged', async () => {
      const token = await github.mint(claimsOf(report));
      assert.equal((await post(report, token)).statusCode, 201);
      const again = await post(report, token);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json<{ status: string }>().status, 'unchanged');
    });

    it('answers GitHub runs by run id (provider=github), by organisation and by provider; Azure DevOps runs stay azure-devops', async () => {
      assert.equal((await post(report, await github.mint(claimsOf(report)))).statusCode, 201);
      const ado = makeReport();
      assert.equal((await svc.send(ado)).statusCode, 201);

      const run = await svc.read(`/api/v1/runs/${GITHUB_RUN_ID}?provider=github`);
      assert.equal(run.statusCode, 200, run.body);
      assert.deepEqual(
        run.json<ImagePushPage>().items.map((p) => p.digest),
        [report.images[0]!.digest],
      );

      const withoutProvider = await svc.read(`/api/v1/runs/${GITHUB_RUN_ID}`);
      assert.equal(withoutProvider.statusCode, 400, withoutProvider.body);
      assert.equal(withoutProvider.json<{ parameter: string }>().parameter, 'runId');

      const byOwner = await svc.read('/api/v1/images?organization=https://github.com/contoso');
      assert.deepEqual(
        byOwner.json<ImagePushPage>().items.map((p) => p.provider),
        ['github'],
      );
      const adoOnly = await svc.read('/api/v1/images?provider=azure-devops');
      const adoPushes = adoOnly.json<ImagePushPage>().items;
      assert.deepEqual(
        adoPushes.map((p) => [p.provider, p.github]),
        [['azure-devops', null]],
      );
      const byRepository = await svc.read('/api/v1/images?sourceRepository=contoso/shop');
      assert.deepEqual(
        byRepository.json<ImagePushPage>().items.map((p) => p.provider),
        ['github'],
      );
    });

    it('shows a reader bound to the owner URL the GitHub runs only, and one bound to the Azure DevOps organisation of the same name none of them', async () => {
      assert.equal((await post(report, await github.mint(claimsOf(report)))).statusCode, 201);
      assert.equal((await svc.send(makeReport())).statusCode, 201);
      const providersSeenBy = async (token: string) => {
        const response = await svc.app.inject({ method: 'GET', url: '/api/v1/images', headers: { authorization: `Bearer ${token}` } });
        assert.equal(response.statusCode, 200, response.body);
        return response.json<ImagePushPage>().items.map((p) => p.provider);
      };
      assert.deepEqual(await providersSeenBy('cmt_gh_reader'), ['github']);
      assert.deepEqual(await providersSeenBy('cmt_ado_reader'), ['azure-devops']);
    });

    it('refuses a token for another repository with 403 naming the repository, store unchanged', async () => {
      const other = makeGitHubReport({ github: { repository: 'contoso/other', repositoryId: '99' } });
      await expectRefused(report, await github.mint(claimsOf(other)), 403, /may not report for this run/, '/github/repository');
      await expectRefused(report, await github.mint(claimsOf(other)), 403, /\/github\/repositoryId/);
    });

    it('refuses a token for another run, or another attempt of the run, with 403 naming the field', async () => {
      const otherRun = makeGitHubReport({ github: { runId: GITHUB_RUN_ID + 1 } });
      await expectRefused(report, await github.mint(claimsOf(otherRun)), 403, /\/github\/runId/, '/github/runId');
      const otherAttempt = makeGitHubReport({ github: { runAttempt: 2 } });
      await expectRefused(report, await github.mint(claimsOf(otherAttempt)), 403, /\/github\/runAttempt/, '/github/runAttempt');
    });

    it('refuses a token for another commit with 403 naming /github/sha', async () => {
      const otherCommit = makeGitHubReport({ github: { sha: 'f'.repeat(40) } });
      await expectRefused(report, await github.mint(claimsOf(otherCommit)), 403, /\/github\/sha/, '/github/sha');
    });

    it("refuses a token with another audience (GitHub's default, the owner URL) with 401 naming aud", async () => {
      await expectRefused(report, await github.mint(claimsOf(report, 'https://github.com/contoso')), 401, /"aud".*container-mapping/);
    });

    it('refuses a token from an issuer that is not configured with 401', async () => {
      const other = await GitHubIssuerStandIn.start();
      try {
        await expectRefused(
          report,
          await other.mint(claimsOf(report)),
          401,
          /not a configured organisation \(nor a configured GitHub issuer\)/,
        );
      } finally {
        await other.close();
      }
    });

    it('refuses a token claiming the configured issuer but signed by another key with 401', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      await expectRefused(report, await github.mint(claimsOf(report), { privateKey }), 401, /signature/);
    });

    it('refuses an expired token with 401', async () => {
      await expectRefused(report, await github.mint(claimsOf(report), { expiresInSeconds: -3600 }), 401, /expired/);
    });

    it('refuses a token of an owner that is not configured, or of the configured login with another id, with 403', async () => {
      const fabrikam = makeGitHubReport({
        github: { owner: 'fabrikam', repository: 'fabrikam/shop', workflowRef: 'fabrikam/shop/.github/workflows/ci.yml@refs/heads/main' },
      });
      await expectRefused(fabrikam, await github.mint(claimsOf(fabrikam)), 403, /owner "fabrikam" is not one/);
      const renamed = makeGitHubReport({ github: { ownerId: '31337' } });
      await expectRefused(renamed, await github.mint(claimsOf(renamed)), 403, /has id 31337, not the configured 2020/);
    });

    it('refuses a token missing a run claim with 401 (not a GitHub Actions job token)', async () => {
      const { run_id: _dropped, ...claims } = claimsOf(report);
      await expectRefused(report, await github.mint(claims as unknown as GitHubClaims), 401, /no "run_id" claim/);
    });

    it('refuses a version-1 report with a GitHub token, and a GitHub report with an Azure DevOps pipeline token, with 403', async () => {
      const ado = makeReport();
      await expectRefused(ado, await github.mint(claimsOf(report)), 403, /\/schemaVersion/, '/schemaVersion');
      await expectRefused(report, await svc.tokenFor(ado), 403, /\/provider/, '/provider');
    });

    it('lets an unbound ingest token and one bound to the owner URL send GitHub reports, not one bound to an Azure DevOps organisation', async () => {
      assert.equal((await post(report, 'cmt_contoso_gh')).statusCode, 201);
      assert.equal((await post(makeGitHubReport({ github: { job: 'test' } }), INGEST_TOKEN)).statusCode, 201);
      await expectRefused(makeGitHubReport({ github: { job: 'lint' } }), 'cmt_contoso_ado', 403, /\/github\/owner/, '/github/owner');
    });

    it('refuses an invalid GitHub report with 400 naming the field', async () => {
      const token = await github.mint(claimsOf(report));
      const badKey = { ...report, idempotencyKey: '0'.repeat(64) };
      const response = await post(badKey, token);
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json<Problem>().pointer, '/idempotencyKey');
      const noRun = { ...report, github: { ...report.github, runId: undefined } };
      const missing = await post(noRun, token);
      assert.equal(missing.statusCode, 400, missing.body);
      assert.equal(missing.json<Problem>().pointer, '/github/runId');
      assert.match(missing.json<Problem>().detail, /schema version 2/);
      const versionOne = await post({ ...report, schemaVersion: 1 }, token);
      assert.equal(versionOne.statusCode, 400, versionOne.body);
      assert.equal(
        versionOne.json<Problem>().pointer,
        '/schemaVersion',
        'a GitHub report is checked as version 2, which names the version',
      );
    });
  });
}
