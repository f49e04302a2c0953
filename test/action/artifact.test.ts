/**
 * The artifact fallback (`github-action/src/artifact.ts`) with the real @actions/artifact client,
 * pointed by the runner's variables at the loopback stand-in of the results service and blob
 * storage (`test/support/githubArtifacts.ts`); the stand-in's REST side then serves the zip back.
 */
import { strict as assert } from 'node:assert';
import AdmZip from 'adm-zip';
import { GITHUB_REPORT_ARTIFACT_FILE } from '../../common/contract';
import { keepReportAsArtifact, redactSecrets, reportArtifactName } from '../../github-action/src/artifact';
import { standInRunOf, startGitHubArtifacts, withRunnerEnvironment, type GitHubArtifactsStandIn } from '../support/githubArtifacts';
import { makeGitHubReport } from '../service/support/githubReports';

function recordingLog() {
  const lines: string[] = [];
  return { lines, info: (l: string) => lines.push(`info ${l}`), warning: (l: string) => lines.push(`warning ${l}`) };
}

describe('keepReportAsArtifact (the real @actions/artifact against the results-service stand-in)', function () {
  this.timeout(60_000);
  let standIn: GitHubArtifactsStandIn;
  let restore: (() => void) | undefined;

  beforeEach(async () => {
    standIn = await startGitHubArtifacts();
  });
  afterEach(async () => {
    restore?.();
    restore = undefined;
    await standIn.close();
  });

  it('uploads the report as one JSON file in a zip that the REST API serves back byte for byte', async () => {
    const report = makeGitHubReport();
    restore = withRunnerEnvironment({ ...standIn.addRun(standInRunOf(report)), GITHUB_SERVER_URL: 'https://github.com' });
    const log = recordingLog();

    const kept = await keepReportAsArtifact(report, log);

    assert.equal(kept.kept, true, log.lines.join('\n'));
    assert.equal(kept.name, reportArtifactName(report));
    // The client's own calls, in its order: Twirp create, block upload, block list, Twirp finalize.
    const calls = standIn.requests.map((r) => r.replace(/\/blob\/.*/, '/blob/…'));
    assert.deepEqual(calls, [
      'POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact',
      'PUT /blob/…',
      'PUT /blob/…',
      'POST /twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact',
    ]);
    const stored = [...standIn.artifacts.values()];
    assert.deepEqual(
      stored.map((a) => [a.id, a.name]),
      [[kept.artifactId, reportArtifactName(report)]],
    );

    // Read back as a backfill would: list the run's artifacts, follow the download redirect.
    const token = 'ghp_standInReader';
    standIn.allowToken(token);
    const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' };
    const listed = (await (
      await fetch(`${standIn.url}/repos/${report.github.repository}/actions/runs/${report.github.runId}/artifacts`, { headers })
    ).json()) as { total_count: number; artifacts: Array<{ id: number; name: string; archive_download_url: string; expired: boolean }> };
    assert.equal(listed.total_count, 1);
    assert.deepEqual(
      [listed.artifacts[0]?.id, listed.artifacts[0]?.name, listed.artifacts[0]?.expired],
      [kept.artifactId, reportArtifactName(report), false],
    );
    const zipBytes = Buffer.from(await (await fetch(listed.artifacts[0]?.archive_download_url ?? '', { headers })).arrayBuffer());
    assert.ok(zipBytes.equals(stored[0]?.bytes ?? Buffer.alloc(0)), 'the download is the uploaded zip');
    const entries = new AdmZip(zipBytes).getEntries();
    assert.deepEqual(
      entries.map((e) => e.entryName),
      [GITHUB_REPORT_ARTIFACT_FILE],
    );
    assert.deepEqual(JSON.parse(entries[0]?.getData().toString('utf8') ?? ''), report);
  });

  it('gives every job of a run its own artifact name, so a matrix leg is not refused as a duplicate', async () => {
    const first = makeGitHubReport({ github: { job: 'build (linux, 20)' } });
    const second = makeGitHubReport({ github: { job: 'build (linux, 22)' } });
    restore = withRunnerEnvironment({ ...standIn.addRun(standInRunOf(first)), GITHUB_SERVER_URL: 'https://github.com' });

    const a = await keepReportAsArtifact(first, recordingLog());
    const b = await keepReportAsArtifact(second, recordingLog());

    assert.deepEqual([a.kept, b.kept], [true, true]);
    assert.notEqual(a.name, b.name);
  });

  it('says why and keeps nothing when the same job keeps its report twice (the service answers 409), without throwing', async () => {
    const report = makeGitHubReport();
    restore = withRunnerEnvironment({ ...standIn.addRun(standInRunOf(report)), GITHUB_SERVER_URL: 'https://github.com' });
    await keepReportAsArtifact(report, recordingLog());
    const log = recordingLog();

    const again = await keepReportAsArtifact(report, log);

    assert.equal(again.kept, false);
    assert.match(again.reason ?? '', /409.*already exists/);
    // The caller warns once, with this reason: nothing is written here.
    assert.deepEqual(log.lines, []);
    assert.equal(standIn.artifacts.size, 1);
  });

  it('returns without a call when the runner gave the step no artifact service, and logs no token', async () => {
    restore = withRunnerEnvironment({ GITHUB_SERVER_URL: 'https://github.com' });
    const log = recordingLog();

    const kept = await keepReportAsArtifact(makeGitHubReport(), log);

    assert.equal(kept.kept, false);
    assert.match(kept.reason ?? '', /ACTIONS_RUNTIME_TOKEN/);
    assert.deepEqual(standIn.requests, []);
    // The caller warns once, with this reason: nothing is written here.
    assert.deepEqual(log.lines, []);
  });

  it('does not throw and names the reason when the results service refuses the runtime token', async () => {
    const report = makeGitHubReport();
    const { ACTIONS_RESULTS_URL } = standIn.addRun(standInRunOf(report));
    const forged = 'eyJ0eXAiOiJKV1QifQ.eyJzY3AiOiJBY3Rpb25zLlJlc3VsdHM6YTpiIn0.c2lnbmF0dXJlLW9mLWEtZm9yZ2VyeQ';
    restore = withRunnerEnvironment({ ACTIONS_RUNTIME_TOKEN: forged, ACTIONS_RESULTS_URL, GITHUB_SERVER_URL: 'https://github.com' });
    const log = recordingLog();

    const kept = await keepReportAsArtifact(report, log);

    assert.equal(kept.kept, false);
    assert.match(kept.reason ?? '', /401/);
    assert.ok(!log.lines.join('\n').includes(forged));
  });

  it('gives up after its time limit when the results service never answers', async () => {
    const report = makeGitHubReport();
    const { createServer } = await import('node:http');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    restore = withRunnerEnvironment({
      ACTIONS_RUNTIME_TOKEN: standIn.addRun(standInRunOf(report)).ACTIONS_RUNTIME_TOKEN,
      ACTIONS_RESULTS_URL: `http://127.0.0.1:${port}/`,
      GITHUB_SERVER_URL: 'https://github.com',
    });
    try {
      const kept = await keepReportAsArtifact(report, recordingLog(), { timeLimitMs: 300 });
      assert.equal(kept.kept, false);
      assert.match(kept.reason ?? '', /did not finish within/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('redactSecrets', () => {
  it('hides a signed URL signature, a bearer token and the runtime token', () => {
    const text =
      'PUT https://x.blob.core.windows.net/c/b?sv=1&sig=abc%2Fdef&se=2 failed; Authorization: Bearer eyJhbGciOi.x.y; tok=RUNTIME-TOKEN-1234';
    const out = redactSecrets(text, { ACTIONS_RUNTIME_TOKEN: 'RUNTIME-TOKEN-1234' });
    assert.equal(out, 'PUT https://x.blob.core.windows.net/c/b?sv=1&sig=***&se=2 failed; Authorization: Bearer ***; tok=***');
  });
});
