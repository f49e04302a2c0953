import assert from 'node:assert/strict';
import type { GitHubReport } from '../../common/githubReport';
import {
  containerBuilderAdvice,
  gitHubHost,
  serviceTarget,
  type ActionCommands,
  type KeepReportAsArtifact,
} from '../../github-action/src/host';
import { readActionSettings, type ActionSettings } from '../../github-action/src/settings';
import { newGitHubJob } from './runAction';

const START = { sinceMs: Date.parse('2026-03-01T10:00:00.000Z'), source: 'pre-step' as const };

function settings(over: Partial<ActionSettings> = {}): ActionSettings {
  return { ...readActionSettings(() => '', {}), serviceUrl: 'https://mapping.contoso.com', canRequestIdToken: true, ...over };
}

/** Commands that record what the host did. */
function recorder(options: { token?: () => Promise<string>; keep?: KeepReportAsArtifact } = {}) {
  const lines: string[] = [];
  const warnings: string[] = [];
  const secrets: string[] = [];
  const audiences: string[] = [];
  const commands: ActionCommands = {
    log: { info: (l) => lines.push(l), warning: (l) => warnings.push(l) },
    getIDToken: (audience) => {
      audiences.push(audience);
      return options.token ? options.token() : Promise.resolve('oidc-token');
    },
    setSecret: (v) => secrets.push(v),
    keepReportAsArtifact: () => options.keep,
    now: () => Date.now(),
  };
  return { commands, lines, warnings, secrets, audiences };
}

const parts = {
  collector: { name: 'container-mapping-action', version: '1.0.0' },
  window: { since: '2026-03-01T10:00:00.000Z', until: '2026-03-01T10:05:00.000Z', sinceSource: 'timeline' as const },
  images: [],
  warnings: [],
};

describe('the GitHub host of the shared collection', () => {
  it('asks for the OIDC token with the configured audience first, then offers the token input, masking both', async () => {
    const r = recorder();
    const { host } = gitHubHost(
      settings({ staticToken: 'cmt_static', audience: 'mapping' }),
      START,
      newGitHubJob().env,
      r.commands,
      '1.0.0',
    );
    const { credentials } = await host.credentials();
    assert.deepEqual(credentials, [
      { kind: 'oidc', token: 'oidc-token' },
      { kind: 'static', token: 'cmt_static' },
    ]);
    assert.deepEqual(r.audiences, ['mapping']);
    assert.ok(r.secrets.includes('cmt_static') && r.secrets.includes('oidc-token'));
  });

  it('says why there is no OIDC token, in one line, and goes on with the token input', async () => {
    const r = recorder({ token: () => Promise.reject(new Error('Failed to get ID Token. \n Error Code : 401\n')) });
    const { host } = gitHubHost(settings({ staticToken: 'cmt_static' }), START, newGitHubJob().env, r.commands, '1.0.0');
    assert.deepEqual(await host.credentials(), { credentials: [{ kind: 'static', token: 'cmt_static' }] });
    const none = gitHubHost(
      settings(),
      START,
      newGitHubJob().env,
      recorder({ token: () => Promise.reject(new Error('a\nb')) }).commands,
      '1',
    );
    assert.deepEqual(await none.host.credentials(), { credentials: [], note: 'no OIDC token (a b)' });
  });

  it('sends nothing when the job can ask for no token and has no token input, and says what to add', () => {
    const target = serviceTarget(settings({ canRequestIdToken: false }));
    assert.ok('missing' in target && /id-token: write/.test(target.missing) && /token/.test(target.missing));
    assert.deepEqual(serviceTarget(settings()), { url: 'https://mapping.contoso.com' });
    assert.ok('missing' in serviceTarget(settings({ serviceUrl: undefined })));
  });

  it("builds the version-2 report from the runner's variables with the window pre saved", () => {
    const job = newGitHubJob();
    const { host, outcome } = gitHubHost(settings(), START, job.env, recorder().commands, '1.0.0');
    const built = host.buildReport(parts);
    assert.ok('report' in built);
    assert.equal(built.report.github.runId, Number(job.env.GITHUB_RUN_ID));
    assert.equal(built.report.window.sinceSource, 'pre-step');
    assert.equal(outcome.report, built.report);
    assert.equal(host.runLabel(built.report), `contoso/shop run ${job.env.GITHUB_RUN_ID} (attempt 1)`);
  });

  it('names the missing runner variables instead of building a report', () => {
    const { host } = gitHubHost(settings(), START, { ...newGitHubJob().env, GITHUB_RUN_ID: '' }, recorder().commands, '1.0.0');
    assert.deepEqual(host.buildReport(parts), { unknown: 'the runner did not set GITHUB_RUN_ID' });
  });

  it('keeps an undelivered report as an artifact and warns; says so when it could not', async () => {
    const kept: GitHubReport[] = [];
    const limits: Array<number | undefined> = [];
    const r = recorder({
      keep: (report, _log, options) => {
        kept.push(report);
        limits.push(options?.timeLimitMs);
        return Promise.resolve({ kept: true });
      },
    });
    const deadline = Date.now() + 20_000;
    const { host, outcome, pending } = gitHubHost(settings(), START, newGitHubJob().env, r.commands, '1.0.0', deadline);
    const built = host.buildReport(parts);
    assert.ok('report' in built);
    host.keepUndelivered(built.report, 'the service answered 503', 0);
    await pending();
    assert.deepEqual(kept, [built.report]);
    // The upload gets the time the step has left, not a limit of its own.
    assert.ok((limits[0] ?? Infinity) <= 20_000 && (limits[0] ?? 0) > 10_000, String(limits[0]));
    assert.deepEqual(outcome.undelivered, { problem: 'the service answered 503', kept: true });
    assert.match(
      r.warnings.join('\n'),
      /not delivered \(the service answered 503\); it is kept as a container-mapping-report artifact of this run/,
    );

    const failing = recorder({ keep: () => Promise.resolve({ kept: false, reason: 'no ACTIONS_RUNTIME_TOKEN' }) });
    const second = gitHubHost(settings(), START, newGitHubJob().env, failing.commands, '1.0.0');
    const report = second.host.buildReport(parts);
    assert.ok('report' in report);
    second.host.keepUndelivered(report.report, 'down', 1);
    await second.pending();
    assert.match(failing.warnings.join('\n'), /could not be kept as an artifact \(no ACTIONS_RUNTIME_TOKEN\)/);
    assert.deepEqual(second.outcome.undelivered, { problem: 'down', kept: false });
  });

  it('says the one-line workflow change when a docker-container builder ran, and nothing otherwise', () => {
    const { host } = gitHubHost(settings(), START, newGitHubJob().env, recorder().commands, '1.0.0');
    const warned = host.buildReport({
      ...parts,
      warnings: [{ code: 'buildkit-container-builder', message: 'A docker-container builder ran in this job (buildx_buildkit_builder0).' }],
    });
    assert.ok('report' in warned);
    assert.match(containerBuilderAdvice(warned.report) ?? '', /Add `driver: docker` to setup-buildx-action's `with:`/);
    const quiet = host.buildReport(parts);
    assert.ok('report' in quiet);
    assert.equal(containerBuilderAdvice(quiet.report), undefined);
    assert.equal(containerBuilderAdvice(undefined), undefined);
  });
});
