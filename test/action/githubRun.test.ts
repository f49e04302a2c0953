import assert from 'node:assert/strict';
import { jobKey, readGitHubRun, runUrl } from '../../github-action/src/githubRun';
import { newGitHubJob } from './runAction';
import { buildGitHubReport, ACTION_NAME } from '../../github-action/src/report';
import { validateGitHubReport } from '../../service/src/validation';

describe("the action's run identity", () => {
  it('reads the run, job and runner from the runner variables, valid for report version 2', () => {
    const { env } = newGitHubJob({ GITHUB_RUN_ID: '22259804324' });
    const outcome = readGitHubRun(env, 'null');
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.run, {
      serverUrl: 'https://github.com',
      owner: 'contoso',
      ownerId: '2020',
      repository: 'contoso/shop',
      repositoryId: '424242',
      workflow: 'CI',
      workflowRef: 'contoso/shop/.github/workflows/ci.yml@refs/heads/main',
      runId: 22259804324,
      runNumber: 42,
      runAttempt: 1,
      job: 'build',
      sha: 'c040cae0f0dc81641728557b80f09cfa23b83fe5',
      ref: 'refs/heads/main',
      eventName: 'push',
    });
    assert.deepEqual(outcome.runner, { name: 'GitHub Actions 2', os: 'Linux', environment: 'github-hosted' });
    // The report built from it is one the service accepts as it is (its own validation, key included).
    const report = buildGitHubReport(outcome.run, outcome.runner, {
      collector: { name: ACTION_NAME, version: '1.0.0' },
      window: { since: '2026-03-01T09:59:00.000Z', until: '2026-03-01T10:01:00.000Z', sinceSource: 'pre-step' },
      images: [
        {
          digest: `sha256:${'a'.repeat(64)}`,
          registry: '127.0.0.1:5000',
          repository: 'contoso/shop',
          tag: 'v1',
          pushedAt: '2026-03-01T10:00:00.000Z',
          origin: 'docker-events',
        },
      ],
      warnings: [],
    });
    assert.equal(validateGitHubReport(report), report);
    assert.equal(runUrl(outcome.run), 'https://github.com/contoso/shop/actions/runs/22259804324/attempts/1');
  });

  it('keeps the schema limits in its report: the first 1,000 images, and says the others were left out', () => {
    const { env } = newGitHubJob({});
    const outcome = readGitHubRun(env, 'null');
    assert.ok(outcome.ok);
    const image = {
      digest: `sha256:${'a'.repeat(64)}`,
      registry: '127.0.0.1:5000',
      repository: 'contoso/shop',
      pushedAt: '2026-03-01T10:00:00.000Z',
      origin: 'docker-events' as const,
    };
    const report = buildGitHubReport(outcome.run, outcome.runner, {
      collector: { name: ACTION_NAME, version: '1.0.0' },
      window: { since: '2026-03-01T09:59:00.000Z', until: '2026-03-01T10:01:00.000Z', sinceSource: 'pre-step' },
      images: Array.from({ length: 1200 }, (_, i) => ({ ...image, tag: `v${i}` })),
      warnings: [],
    });
    assert.equal(validateGitHubReport(report), report);
    assert.equal(report.images.length, 1000);
    assert.deepEqual(report.warnings, [{ code: 'images-truncated', message: '1200 images were pushed; the first 1000 are reported.' }]);
  });

  it('names every missing or malformed variable instead of guessing', () => {
    const { env } = newGitHubJob({ GITHUB_REPOSITORY_ID: '', GITHUB_SHA: 'main', GITHUB_RUN_ID: '12x' });
    const outcome = readGitHubRun(env);
    assert.equal(outcome.ok, false);
    assert.deepEqual(!outcome.ok && outcome.missing.sort(), ['GITHUB_REPOSITORY_ID', 'GITHUB_RUN_ID', 'GITHUB_SHA']);
  });

  it("tells a matrix job's legs apart by their matrix values", () => {
    assert.equal(jobKey('build', 'null'), 'build');
    assert.equal(jobKey('build', undefined), 'build');
    assert.equal(jobKey('build', '{}'), 'build');
    assert.equal(jobKey('build', '{"os":"linux","node":20}'), 'build (linux, 20)');
    assert.equal(jobKey('build', '{"target":{"arch":"arm64"}}'), 'build ({"arch":"arm64"})');
    assert.equal(jobKey('build', 'not json'), 'build');
  });
});
