/**
 * The bundled task behind the agent's web proxy: run as the agent runs it, with the proxy
 * variables the agent sets (`AGENT_PROXYURL`, `AGENT_PROXYUSERNAME`, the secret
 * `SECRET_AGENT_PROXYPASSWORD`, `AGENT_PROXYBYPASSLIST`), a real push on the real engine, and
 * a forward proxy on 127.0.0.1 that requires Basic credentials and records what it carried.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Report } from '../../common/report';
import { DOCKER_SOCKET, REGISTRY, requireDocker, requireRegistry } from '../support/services';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { buildScratchImage, pushImage, removeImages, uniqueRepository } from '../support/docker';
import { ForwardProxy } from './forwardProxy';
import { ReportReceiver } from './receiver';
import { agentEnvironment, nextWholeSecond, newJob, runTask, taskDirectory, type SimulatedJob, type TaskRun } from './runTask';

const PROXY_USER = 'build-agent';

/** Asserts exit 0 and no Failed result. */
function assertSucceeded(run: TaskRun): void {
  assert.equal(run.code, 0, `exit code ${run.code}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stdout, /##vso\[task\.complete result=(Failed|Cancelled)/);
}

/** The password is registered with the agent and appears nowhere else. */
function assertPasswordHidden(run: TaskRun, password: string): void {
  const lines = run.stdout.split('\n');
  assert.ok(lines.includes(`##vso[task.setsecret]${password}`), 'the proxy password was not registered with ##vso[task.setsecret]');
  const visible = lines.filter((line) => !line.startsWith('##vso[task.setsecret]')).join('\n');
  assert.ok(!visible.includes(password), 'the proxy password was printed to stdout');
  assert.ok(!run.stderr.includes(password), 'the proxy password was printed to stderr');
  assert.ok(!visible.includes(Buffer.from(`${PROXY_USER}:${password}`).toString('base64')), 'the proxy credentials were printed in Base64');
}

/** `host:port` of a URL, as a CONNECT request names it. */
function authority(url: string): string {
  return new URL(url).host;
}

/** Escapes text for use inside a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe("The injected task behind the agent's web proxy", function () {
  let dir: string;
  let devops: AzureDevOpsStandIn;
  let receiver: ReportReceiver;
  let proxy: ForwardProxy;
  let password: string;
  let job: SimulatedJob;
  const cleanup: string[] = [];

  before(async function () {
    await requireDocker();
    await requireRegistry(REGISTRY);
    dir = await taskDirectory();
  });

  beforeEach(async function () {
    password = `proxy-pw-${randomUUID()}`;
    devops = await AzureDevOpsStandIn.start();
    receiver = await ReportReceiver.start();
    proxy = await ForwardProxy.start(PROXY_USER, password);
    job = newJob(devops.url);
  });

  afterEach(async function () {
    await proxy.close();
    await devops.close();
    await receiver.close();
    rmSync(job.tempDirectory, { recursive: true, force: true });
  });

  after(async function () {
    await removeImages(cleanup);
  });

  /** Starts a job, pushes one image in it, and returns the agent's environment for the step. */
  async function jobWithOnePush(proxyVariables: Record<string, string>): Promise<{ env: Record<string, string>; repository: string }> {
    const pipelineStart = await nextWholeSecond();
    devops.setTimeline(job.buildId, [{ id: job.jobId, startTime: new Date(Date.now()).toISOString() }]);
    const repository = uniqueRepository('proxy');
    const reference = `${REGISTRY}/${repository}:1`;
    cleanup.push(reference);
    await buildScratchImage(reference, `proxy ${randomUUID()}`);
    await pushImage(reference);
    const env = agentEnvironment(job, pipelineStart, {
      INPUT_DOCKERHOST: `unix://${DOCKER_SOCKET}`,
      INPUT_SERVICEURL: receiver.url,
      AGENT_PROXYURL: proxy.url,
      AGENT_PROXYUSERNAME: PROXY_USER,
      SECRET_AGENT_PROXYPASSWORD: password,
      ...proxyVariables,
    });
    return { env, repository };
  }

  /**
   * Asserts every request the stand-in received came through the proxy, with the right
   * credentials: in absolute form (the task's client asks a plain-HTTP target, as the stand-in
   * is, that way, as it asks the service) or inside a CONNECT tunnel.
   */
  function assertAzureDevOpsThroughProxy(): void {
    const origin = new URL(devops.url).origin;
    const tunnels = proxy.requests.filter((r) => r.method === 'CONNECT' && r.target === authority(devops.url));
    const forwarded = proxy.requests.filter((r) => r.method !== 'CONNECT' && r.target.startsWith(`${origin}/`));
    assert.ok(tunnels.length + forwarded.length > 0, `the proxy carried no request to Azure DevOps: ${JSON.stringify(proxy.requests)}`);
    assert.ok(
      [...tunnels, ...forwarded].every((t) => t.accepted),
      'a request to Azure DevOps went through the proxy without the right credentials',
    );
    const carried = [...tunnels.flatMap((t) => t.tunnelled), ...forwarded.map((r) => `${r.method} ${new URL(r.target).pathname}`)].sort();
    const received = devops.requests.map((r) => `${r.method} ${r.path}`).sort();
    assert.deepEqual(carried, received, 'the stand-in received a request that did not come through the proxy');
    assert.ok(devops.requestsTo('timeline').length === 1, 'the timeline was not read');
    assert.ok(devops.requestsTo('oidc').length === 1, 'no OIDC token was asked for');
  }

  it('reads the timeline, gets the OIDC token and posts the report through the proxy, with its credentials', async function () {
    const { env, repository } = await jobWithOnePush({});
    const run = await runTask(dir, env);
    assertSucceeded(run);

    assertAzureDevOpsThroughProxy();
    const posts = proxy.requests.filter((r) => r.method === 'POST' && !r.target.startsWith(new URL(devops.url).origin));
    assert.deepEqual(
      posts.map((p) => [p.target, p.accepted]),
      [[`${receiver.url}/api/v1/reports`, true]],
    );
    assert.equal(receiver.received.length, 1);
    const report = receiver.received[0]?.body as Report;
    assert.equal(report.window.sinceSource, 'timeline');
    assert.deepEqual(
      report.images.filter((i) => i.repository === repository).map((i) => i.tag),
      ['1'],
    );
    assert.equal(receiver.received[0]?.authorization, `Bearer ${devops.mintedTokens[0] ?? '?'}`);
    assert.ok(
      proxy.requests.every((r) => r.accepted),
      'the task sent a request without the proxy credentials',
    );
    assert.equal(run.stderr, '', 'the step wrote to stderr');
    assertPasswordHidden(run, password);
  });

  it('posts the report directly when the service matches Agent.ProxyBypassList, and still uses the proxy for Azure DevOps', async function () {
    const bypass = JSON.stringify(['github\\.com', `^${literal(receiver.url)}/`]);
    const { env } = await jobWithOnePush({ AGENT_PROXYBYPASSLIST: bypass });
    const run = await runTask(dir, env);
    assertSucceeded(run);

    assertAzureDevOpsThroughProxy();
    assert.equal(receiver.received.length, 1, 'the report did not arrive');
    assert.deepEqual(
      proxy.requests.filter((r) => r.target.includes(authority(receiver.url))),
      [],
      'the bypassed service was reached through the proxy',
    );
    assertPasswordHidden(run, password);
  });

  it('attaches the report, and succeeds, when the proxy refuses its credentials', async function () {
    await proxy.close();
    proxy = await ForwardProxy.start(PROXY_USER, `not-${password}`);
    const { env } = await jobWithOnePush({});
    const run = await runTask(dir, env);
    assertSucceeded(run);

    assert.ok(proxy.requests.length > 0, 'the proxy was not asked');
    assert.ok(proxy.requests.every((r) => !r.accepted));
    assert.equal(devops.requests.length, 0, 'Azure DevOps was reached around the proxy');
    assert.equal(receiver.received.length, 0, 'the service was reached around the proxy');
    assert.match(run.stdout, /not delivered \(the proxy refused its credentials \(407\)/);
    const command = /##vso\[task\.addattachment type=containerMappingReport;name=[^;\]]+;?\](.+)/.exec(run.stdout);
    assert.ok(command, `no attachment command in:\n${run.stdout}`);
    assert.ok(JSON.parse(readFileSync(command[1]?.trim() ?? '', 'utf8')));
    assertPasswordHidden(run, password);
  });
});
