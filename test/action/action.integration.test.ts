/**
 * The GitHub Action end to end, run as the runner runs it (runAction.ts): its bundled pre, main
 * and post files against the real shared Docker engine and registry, the runner's token
 * endpoint and GitHub's issuer played by test/support/githubIssuer.ts, and the service process
 * verifying the tokens and storing the reports.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { main } from '../../service/src/cli/main';
import { hashToken } from '../../service/src/auth/staticTokens';
import { validateGitHubReport } from '../../service/src/validation';
import { GitHubIssuerStandIn, claimsFromGitHubEnvironment } from '../support/githubIssuer';
import { startGitHubArtifacts } from '../support/githubArtifacts';
import AdmZip from 'adm-zip';
import { GITHUB_REPORT_ARTIFACT_FILE } from '../../common/contract';
import { REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { buildScratchImage, pushImage, registryDigest, removeImages, uniqueRepository } from '../support/docker';
import { NEWER_DOCKER_CONTAINERD, engineCli, requireEngine } from '../support/engines';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { actionDirectory, newGitHubJob, runStep, type SimulatedGitHubJob, type StepRun } from './runAction';

const root = join(__dirname, '..', '..');
const READER = 'cmt_action_reader';
const INGEST = 'cmt_action_static_ingest_token';

/** Every line of `stdout` holding `secret`, except the `::add-mask::` commands that hand it to the runner to mask. */
function leaks(stdout: string, secret: string): string[] {
  return stdout.split('\n').filter((line) => line.includes(secret) && !line.startsWith(`::add-mask::`));
}

/** JSON Web Tokens printed anywhere but in an `::add-mask::` command. */
function printedJwts(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(line) && !line.startsWith('::add-mask::'));
}

/**
 * A copy of the built action whose artifact fallback is a recorder: it writes each report it is
 * handed to `kept.json` beside it and says it kept it (the real one, github-action/src/artifact.ts,
 * is tested with the artifacts stand-in in its own suite). Without `withCollector`, the copy has no
 * collect.js: a run that tried to load it would say so.
 */
function actionCopy(withCollector = true): { directory: string; kept: () => unknown[] } {
  const directory = mkdtempSync(join(tmpdir(), 'cm-action-copy-'));
  const files = withCollector ? ['pre.js', 'main.js', 'post.js', 'collect.js'] : ['pre.js', 'main.js', 'post.js'];
  for (const file of files) copyFileSync(join(actionDirectory(), file), join(directory, file));
  const keptFile = join(directory, 'kept.json');
  writeFileSync(
    join(directory, 'artifact.js'),
    `const fs = require('node:fs');
exports.keepReportAsArtifact = async (report, log) => {
  const kept = fs.existsSync(${JSON.stringify(keptFile)}) ? JSON.parse(fs.readFileSync(${JSON.stringify(keptFile)}, 'utf8')) : [];
  kept.push(report);
  fs.writeFileSync(${JSON.stringify(keptFile)}, JSON.stringify(kept));
  log.info('recorder: kept');
  return { kept: true };
};
`,
  );
  return { directory, kept: () => (existsSync(keptFile) ? (JSON.parse(readFileSync(keptFile, 'utf8')) as unknown[]) : []) };
}

/** What `container-mapping query image <digest>` prints, or its error. */
async function queryImage(url: string, digest: string): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['query', 'image', digest, '--url', url, '--token', READER], {
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    env: {},
  });
  return { code, text: [...out, ...err].join('\n') };
}

function assertSucceeded(run: StepRun, step: string): void {
  assert.equal(run.code, 0, `${step} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  assert.equal(run.signal, null, `${step} was killed:\n${run.stdout}`);
}

describe('the GitHub Action, run as the runner runs it', function () {
  this.timeout(240_000);
  let dir: string;
  let github: GitHubIssuerStandIn;
  let service: ChildProcess | undefined;
  let url: string;
  const pushed: string[] = [];

  before(async function () {
    await requireDocker();
    await requireRegistry(REGISTRY);
    execFileSync(process.execPath, [join(root, 'scripts', 'build-service.mjs')], { stdio: 'inherit' });
    actionDirectory();
    dir = mkdtempSync(join(tmpdir(), 'cm-action-service-'));
    github = await GitHubIssuerStandIn.start();
    service = spawn(process.execPath, [join(root, 'bin', 'container-mapping.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: {
        ...process.env,
        CM_DATABASE_URL: `sqlite:${join(dir, 'm.db')}`,
        CM_GITHUB_OWNERS: JSON.stringify([{ name: 'contoso', id: '2020', issuer: github.issuer }]),
        CM_TOKENS: JSON.stringify([
          { name: 'reader', sha256: hashToken(READER), scopes: ['read'] },
          { name: 'ingest', sha256: hashToken(INGEST), scopes: ['ingest'] },
        ]),
        CM_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: service!.stdout! }).once('line', resolve);
      service!.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const found = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
    assert.ok(found, line);
    url = found;
  });

  after(async () => {
    if (service?.pid !== undefined && service.exitCode === null) service.kill('SIGTERM');
    await github?.close();
    await removeImages(pushed);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A job of contoso/shop that may ask the stand-in for OIDC tokens, reporting to the service. */
  function oidcJob(inputs: Record<string, string> = {}): SimulatedGitHubJob {
    const job = newGitHubJob(
      { ACTIONS_ID_TOKEN_REQUEST_URL: github.tokenRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken },
      { 'service-url': url, ...inputs },
    );
    github.setJob(claimsFromGitHubEnvironment(job.env));
    return job;
  }

  /** Builds a FROM scratch image and pushes it to the registry through the engine; returns its repository and registry digest. */
  async function pushNewImage(prefix: string): Promise<{ repository: string; digest: string }> {
    const repository = uniqueRepository(prefix);
    const reference = `${REGISTRY}/${repository}:1`;
    await buildScratchImage(reference, `${prefix} ${Date.now()} ${Math.random()}`);
    pushed.push(reference);
    await pushImage(reference);
    return { repository, digest: await registryDigest(REGISTRY, repository, '1') };
  }

  it('maps a push made in the job to its repository, run and commit with the registry digest, sets the outputs and writes the summary', async () => {
    const job = oidcJob();
    const pre = await runStep(job, 'pre');
    assertSucceeded(pre, 'pre');
    assert.match(pre.state.windowStart ?? '', /^\d{13}$/);
    assert.equal(pre.state.windowSource, 'pre-step');

    const { repository, digest } = await pushNewImage('action-push');

    const mainRun = await runStep(job, 'main');
    assertSucceeded(mainRun, 'main');
    assert.ok((mainRun.outputs.digests ?? '').split('\n').includes(digest), mainRun.stdout);
    const images = JSON.parse(mainRun.outputs.images ?? '[]') as Array<{ image: string; digest: string }>;
    assert.ok(
      images.some((i) => i.image === `${REGISTRY}/${repository}:1` && i.digest === digest),
      mainRun.outputs.images,
    );

    const post = await runStep(job, 'post');
    assertSucceeded(post, 'post');
    const runId = job.env.GITHUB_RUN_ID ?? '';
    assert.match(post.stdout, new RegExp(`Mapped \\d+ pushed images? to contoso/shop run ${runId} \\(attempt 1\\)`));
    assert.doesNotMatch(post.stdout, /::warning::/);
    assert.match(post.summary, /Container mapping/);
    assert.ok(post.summary.includes(`${REGISTRY}/${repository}:1`), post.summary);
    assert.ok(post.summary.includes(digest), post.summary);
    assert.ok(post.summary.includes(`https://github.com/contoso/shop/actions/runs/${runId}/attempts/1`), post.summary);

    const answer = await queryImage(url, digest);
    assert.equal(answer.code, 0, answer.text);
    assert.ok(answer.text.includes(`https://github.com/contoso/shop/actions/runs/${runId}/attempts/1`), answer.text);
    assert.ok(answer.text.includes('https://github.com/contoso/shop/commit/c040cae0f0dc81641728557b80f09cfa23b83fe5'), answer.text);

    // The OIDC token was masked before any use, and printed nowhere else.
    assert.match(post.stdout, /^::add-mask::eyJ/m);
    assert.deepEqual(printedJwts(post.stdout + post.stderr + mainRun.stdout + pre.stdout), []);
  });

  it('says there is nothing to report, without loading the collector, when no Docker engine answers', async () => {
    const copy = actionCopy(false);
    const job = oidcJob({ 'docker-host': `unix://${join(copy.directory, 'no-docker.sock')}` });
    assertSucceeded(await runStep(job, 'pre', copy.directory), 'pre');
    const mainRun = await runStep(job, 'main', copy.directory);
    assertSucceeded(mainRun, 'main');
    assert.equal(mainRun.outputs.digests, '');
    assert.equal(mainRun.outputs.images, '[]');
    const post = await runStep(job, 'post', copy.directory);
    assertSucceeded(post, 'post');
    assert.equal(
      post.stdout.trim(),
      `Nothing to report: no Docker engine at unix://${join(copy.directory, 'no-docker.sock')} answered (ENOENT).`,
    );
    assert.equal(post.stderr, '');
    assert.equal(post.summary, '');
    assert.deepEqual(copy.kept(), []);
  });

  it('does nothing but say so when disabled', async () => {
    const job = oidcJob({ disabled: 'true' });
    const pre = await runStep(job, 'pre');
    assertSucceeded(pre, 'pre');
    assert.deepEqual(pre.state, {});
    for (const step of ['main', 'post'] as const) {
      const run = await runStep(job, step);
      assertSucceeded(run, step);
      assert.equal(run.stdout.trim(), 'Container mapping is turned off for this job (the disabled input).');
      assert.equal(run.summary, '');
    }
  });

  it('starts the window in main when no pre step ran (a local action), and says so', async () => {
    const job = oidcJob();
    const mainRun = await runStep(job, 'main');
    assertSucceeded(mainRun, 'main');
    assert.match(mainRun.stdout, /pre step did not run/);
    assert.equal(mainRun.state.windowSource, 'main-step');
    const { digest } = await pushNewImage('action-local');
    const post = await runStep(job, 'post');
    assertSucceeded(post, 'post');
    assert.match(post.stdout, /Mapped \d+ pushed images? to contoso\/shop/);
    const answer = await queryImage(url, digest);
    assert.equal(answer.code, 0, answer.text);
  });

  it('keeps the report as a workflow artifact when the job has neither an OIDC token nor a token input', async () => {
    const copy = actionCopy();
    const job = newGitHubJob({}, { 'service-url': url });
    assertSucceeded(await runStep(job, 'pre', copy.directory), 'pre');
    const { digest } = await pushNewImage('action-artifact');
    const post = await runStep(job, 'post', copy.directory);
    assertSucceeded(post, 'post');
    assert.match(post.stdout, /::warning::.*id-token: write.*kept as a container-mapping-report artifact of this run/);
    const kept = copy.kept();
    assert.equal(kept.length, 1);
    const report = validateGitHubReport(kept[0]);
    assert.equal(report.github.runId, Number(job.env.GITHUB_RUN_ID));
    assert.ok(report.images.some((i) => i.digest === digest));
    // Nothing was sent: the service has not seen it.
    assert.notEqual((await queryImage(url, digest)).code, 0);
  });

  it('reports with the static token input when the job may not ask for an OIDC token, and never prints it', async () => {
    const job = newGitHubJob({}, { 'service-url': url, token: INGEST });
    assertSucceeded(await runStep(job, 'pre'), 'pre');
    const { digest } = await pushNewImage('action-static');
    const post = await runStep(job, 'post');
    assertSucceeded(post, 'post');
    assert.match(post.stdout, new RegExp(`^::add-mask::${INGEST}$`, 'm'));
    assert.deepEqual(leaks(post.stdout + post.stderr, INGEST), []);
    assert.equal((await queryImage(url, digest)).code, 0);
  });

  it('never fails the job when the service is down: it warns, and keeps the report as an artifact', async () => {
    const copy = actionCopy();
    const job = oidcJob({ 'service-url': 'http://127.0.0.1:9', token: INGEST });
    assertSucceeded(await runStep(job, 'pre', copy.directory), 'pre');
    await pushNewImage('action-down');
    const post = await runStep(job, 'post', copy.directory);
    assertSucceeded(post, 'post');
    assert.match(post.stdout, /::warning::Container mapping: the report was not delivered \(.*could not be reached.*\); it is kept/);
    assert.equal(copy.kept().length, 1);
    assert.deepEqual(leaks(post.stdout, INGEST), []);
    assert.deepEqual(printedJwts(post.stdout), []);
  });

  it("keeps the report with the bundled artifact.js in the run's artifact service when the service is down, with one warning", async () => {
    const artifacts = await startGitHubArtifacts();
    try {
      const job = oidcJob({ 'service-url': 'http://127.0.0.1:9' });
      const e = job.env;
      Object.assign(
        job.env,
        artifacts.addRun({
          owner: 'contoso',
          ownerId: Number(e.GITHUB_REPOSITORY_OWNER_ID),
          repository: e.GITHUB_REPOSITORY ?? '',
          repositoryId: Number(e.GITHUB_REPOSITORY_ID),
          runId: Number(e.GITHUB_RUN_ID),
          runNumber: Number(e.GITHUB_RUN_NUMBER),
          runAttempt: Number(e.GITHUB_RUN_ATTEMPT),
          headSha: e.GITHUB_SHA ?? '',
          headBranch: 'main',
          event: 'push',
          path: '.github/workflows/ci.yml',
        }),
      );
      assertSucceeded(await runStep(job, 'pre'), 'pre');
      const { repository } = await pushNewImage('action-artifact');
      const post = await runStep(job, 'post');
      assertSucceeded(post, 'post');
      const warnings = post.stdout.split('\n').filter((line) => line.startsWith('::warning'));
      assert.equal(warnings.length, 1, post.stdout);
      assert.match(warnings[0] ?? '', /not delivered \(.*could not be reached.*\); it is kept as a container-mapping-report artifact/);
      // Uploaded through the results service's calls by the real client the action bundles.
      const stored = [...artifacts.artifacts.values()];
      assert.equal(stored.length, 1, artifacts.requests.join('\n'));
      assert.match(stored[0]?.name ?? '', /^container-mapping-report-[0-9a-f]{16}$/);
      assert.ok(artifacts.requests.includes('POST /twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact'));
      assert.match(post.stdout, new RegExp(`kept as artifact ${stored[0]?.name ?? '?'} of this run`));
      // The zip holds the one report file: this job's report, with the pushed image in it.
      const entries = new AdmZip(stored[0]?.bytes ?? Buffer.alloc(0)).getEntries();
      assert.deepEqual(
        entries.map((entry) => entry.entryName),
        [GITHUB_REPORT_ARTIFACT_FILE],
      );
      const kept = JSON.parse(entries[0]?.getData().toString('utf8') ?? '{}') as {
        github: { runId: number };
        images: { repository: string }[];
      };
      assert.equal(kept.github.runId, Number(job.env.GITHUB_RUN_ID));
      assert.ok(
        kept.images.some((image) => image.repository === repository),
        JSON.stringify(kept.images),
      );
      assert.deepEqual(printedJwts(post.stdout), []);
      assert.deepEqual(leaks(post.stdout, job.env.ACTIONS_RUNTIME_TOKEN ?? '?'), []);
    } finally {
      await artifacts.close();
    }
  });

  it('warns once, with the reason, when the report can be neither delivered nor kept (no artifact service)', async () => {
    const job = oidcJob({ 'service-url': 'http://127.0.0.1:9' });
    assertSucceeded(await runStep(job, 'pre'), 'pre');
    await pushNewImage('action-no-artifact');
    const post = await runStep(job, 'post');
    assertSucceeded(post, 'post');
    const warnings = post.stdout.split('\n').filter((line) => line.startsWith('::warning'));
    assert.deepEqual(warnings.length, 1, post.stdout);
    assert.match(
      warnings[0] ?? '',
      /not delivered \(.*\) and could not be kept as an artifact \(the runner gave this step no artifact service/,
    );
  });

  it('is refused with a token minted for another repository, stores nothing, and the step still succeeds', async () => {
    const copy = actionCopy();
    const job = oidcJob();
    github.setJob(claimsFromGitHubEnvironment({ ...job.env, GITHUB_REPOSITORY: 'contoso/other', GITHUB_REPOSITORY_ID: '777' }));
    assertSucceeded(await runStep(job, 'pre', copy.directory), 'pre');
    const { digest } = await pushNewImage('action-forged');
    const post = await runStep(job, 'post', copy.directory);
    assertSucceeded(post, 'post');
    assert.match(post.stdout, /::warning::Container mapping: the report was not delivered \(the service answered 403/);
    assert.notEqual((await queryImage(url, digest)).code, 0);
    assert.equal(copy.kept().length, 1);
  });

  it("names the token input, not the task's variable, when the service refuses the OIDC token and accepts the token input", async () => {
    const job = oidcJob({ 'service-url': url, token: INGEST });
    github.setJob(claimsFromGitHubEnvironment({ ...job.env, GITHUB_REPOSITORY: 'contoso/other', GITHUB_REPOSITORY_ID: '777' }));
    assertSucceeded(await runStep(job, 'pre'), 'pre');
    const { digest } = await pushNewImage('action-second-credential');
    const post = await runStep(job, 'post');
    assertSucceeded(post, 'post');
    assert.match(post.stdout, /^The service refused the job's OIDC token \(403\) and accepted the static token \(the `token` input\)\.$/m);
    assert.doesNotMatch(post.stdout, /ContainerMapping\.Token/);
    assert.deepEqual(leaks(post.stdout + post.stderr, INGEST), []);
    assert.equal((await queryImage(url, digest)).code, 0);
  });

  it("maps docker build --push on the containerd image store (build-push-action's docker driver), which logs no push, from BuildKit's history", async () => {
    await requireEngine(NEWER_DOCKER_CONTAINERD);
    const job = oidcJob({ 'docker-host': `unix://${NEWER_DOCKER_CONTAINERD.socket}` });
    assertSucceeded(await runStep(job, 'pre'), 'pre');
    const repository = uniqueRepository('action-buildkit');
    const reference = `${REGISTRY}/${repository}:1`;
    const context = await mkdtemp(join(tmpdir(), 'cm-action-bk-'));
    try {
      await writeFile(join(context, 'content.txt'), `buildkit ${Date.now()} ${Math.random()}`);
      await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY content.txt /content.txt\n');
      await engineCli(NEWER_DOCKER_CONTAINERD, ['build', '--push', '--tag', reference, context]);
    } finally {
      await rm(context, { recursive: true, force: true });
    }
    const digest = await registryDigest(REGISTRY, repository, '1');
    const post = await runStep(job, 'post');
    assertSucceeded(post, 'post');
    assert.match(post.stdout, /Mapped \d+ pushed images? to contoso\/shop/);
    assert.ok(post.summary.includes(digest), post.summary);
    const answer = await queryImage(url, digest);
    assert.equal(answer.code, 0, answer.text);
    await engineCli(NEWER_DOCKER_CONTAINERD, ['image', 'rm', '--force', reference]).catch(() => undefined);
  });
});
