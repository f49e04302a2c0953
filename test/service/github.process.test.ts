/**
 * GitHub Actions runs end to end through the service process: `serve` configured by
 * `CM_GITHUB_OWNERS` verifies tokens the runner's token endpoint stand-in mints (as
 * @actions/core's `getIDToken(audience)` asks for them), refuses forged ones, and `query`
 * shows the GitHub run with its links.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { main } from '../../service/src/cli/main';
import { hashToken } from '../../service/src/auth/staticTokens';
import { GitHubIssuerStandIn, claimsFromGitHubEnvironment } from '../support/githubIssuer';
import { GITHUB_RUN_ID, GITHUB_SHA, makeGitHubReport, runnerEnvironmentOf } from './support/githubReports';

const root = join(__dirname, '..', '..');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} }, out, err };
}

describe('GitHub Actions runs through the service process', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let github: GitHubIssuerStandIn;
  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-service.mjs')], { stdio: 'inherit' });
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cm-github-'));
    github = await GitHubIssuerStandIn.start();
  });
  afterEach(async () => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the token the runner mints for the job, refuses one for another run, and query shows the GitHub run', async () => {
    const owners = JSON.stringify([{ name: 'contoso', id: '2020', issuer: github.issuer }]);
    const tokens = JSON.stringify([{ name: 'reader', sha256: hashToken('cmt_reader'), scopes: ['read'] }]);
    child = spawn(process.execPath, [join(root, 'bin', 'container-mapping.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: {
        ...process.env,
        CM_DATABASE_URL: `sqlite:${join(dir, 'm.db')}`,
        CM_GITHUB_OWNERS: owners,
        CM_TOKENS: tokens,
        CM_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
    assert.ok(url, line);

    const report = makeGitHubReport();
    github.setJob(claimsFromGitHubEnvironment(runnerEnvironmentOf(report)));
    // What @actions/core's getIDToken('container-mapping') does with the runner's variables.
    const minted = await fetch(`${github.tokenRequestUrl}&audience=container-mapping`, {
      headers: { authorization: `Bearer ${github.requestToken}`, accept: 'application/json; api-version=2.0' },
    });
    const { value: token } = (await minted.json()) as { value: string };
    const send = (body: unknown, bearer: string) =>
      fetch(`${url}/api/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const otherRun = makeGitHubReport({ github: { runId: GITHUB_RUN_ID + 7 } });
    const refused = await send(otherRun, token);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { detail: string }).detail, /\/github\/runId/);

    const accepted = await send(report, token);
    assert.equal(accepted.status, 201, await accepted.text());

    const table = capture();
    assert.equal(
      await main(['query', 'run', String(GITHUB_RUN_ID), '--provider', 'github', '--url', url, '--token', 'cmt_reader'], table.io),
      0,
      table.err.join('\n'),
    );
    assert.match(
      table.out.join('\n'),
      new RegExp(`${GITHUB_RUN_ID} \\(42\\)\\s+CI \\(GitHub\\)\\s+contoso/shop\\s+${GITHUB_SHA.slice(0, 12)}`),
    );

    const detail = capture();
    assert.equal(await main(['query', 'image', report.images[0]!.digest, '--url', url, '--token', 'cmt_reader'], detail.io), 0);
    const text = detail.out.join('\n');
    assert.match(
      text,
      new RegExp(`run ${GITHUB_RUN_ID} \\(42\\)  https://github\\.com/contoso/shop/actions/runs/${GITHUB_RUN_ID}/attempts/1`),
    );
    assert.match(text, new RegExp(`commit  https://github\\.com/contoso/shop/commit/${GITHUB_SHA}`));
  });
});
