import { strict as assert } from 'node:assert';
import { deliverReport, isRetryable, MAX_RETRY_AFTER_MS, nextStep, retryAfterMs, type Credential } from '../../collector/deliver';
import { ReportReceiver } from './receiver';
import { ForwardProxy } from './forwardProxy';
import { loopbackCertificate } from '../support/certificate';
import { rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

describe('Report delivery', function () {
  let receiver: ReportReceiver | undefined;
  afterEach(async function () {
    await receiver?.close();
    receiver = undefined;
  });

  async function deliver(
    statuses: number[],
    credentials: Credential[] = [{ kind: 'oidc', token: 'tok' }],
    answers: { headersFor?: Partial<Record<number, Record<string, string>>>; deadlineInMs?: number } = {},
  ) {
    receiver = await ReportReceiver.start(statuses, answers.headersFor);
    return deliverReport({
      serviceUrl: `${receiver.url}/`,
      credentials,
      body: '{"a":1}',
      attemptTimeoutMs: 2000,
      deadlineMs: Date.now() + (answers.deadlineInMs ?? 5000),
      retryDelayMs: 10,
    });
  }

  it('posts JSON with the bearer token to /api/v1/reports', async function () {
    const result = await deliver([201]);
    assert.deepEqual(result, { delivered: true, status: 201, attempts: 1, credential: 'oidc' });
    assert.deepEqual(receiver?.received, [
      { path: '/api/v1/reports', authorization: 'Bearer tok', contentType: 'application/json', body: { a: 1 } },
    ]);
  });

  for (const first of [500, 503, 429]) {
    it(`tries once more after ${first}`, async function () {
      const result = await deliver([first, 200]);
      assert.deepEqual(result, { delivered: true, status: 200, attempts: 2, credential: 'oidc' });
    });
  }

  it("waits as long as the service's Retry-After asks before the one retry (its 503 when the database does not answer says 2 s)", async function () {
    const result = await deliver([503, 201], undefined, { headersFor: { 503: { 'Retry-After': '1' } } });
    assert.deepEqual(result, { delivered: true, status: 201, attempts: 2, credential: 'oidc' });
    const [first = 0, second = 0] = receiver?.arrivals ?? [];
    // Not the 10 ms of the plain retry: at least the second asked for (a timer never fires early).
    assert.ok(second - first >= 990, `sent again ${second - first} ms after the 503`);
  });

  it(`does not retry when Retry-After asks for more than ${MAX_RETRY_AFTER_MS / 1000} s, or for more than the time left, and says so`, async function () {
    for (const [retryAfter, deadlineInMs] of [
      ['60', 30000],
      ['3', 2000],
    ] as const) {
      const result = await deliver([429, 201], undefined, { headersFor: { 429: { 'Retry-After': retryAfter } }, deadlineInMs });
      assert.equal(result.delivered, false);
      assert.equal(result.attempts, 1);
      assert.equal(receiver?.received.length, 1);
      assert.match(
        result.problem ?? '',
        new RegExp(`answered 429: receiver says no; it asked to be sent again after ${retryAfter} s, longer than this step waits$`),
      );
      await receiver?.close();
      receiver = undefined;
    }
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores what is neither', function () {
    const now = Date.parse('2026-11-29T12:00:00Z');
    assert.equal(retryAfterMs('2', now), 2000);
    assert.equal(retryAfterMs(' 120 ', now), 120000);
    assert.equal(retryAfterMs('Sun, 29 Nov 2026 12:00:03 GMT', now), 3000);
    assert.equal(retryAfterMs('Sun, 29 Nov 2026 11:59:00 GMT', now), 0);
    for (const value of [undefined, '', '-1', '1.5', 'soon', 'in 5 s']) assert.equal(retryAfterMs(value, now), undefined, String(value));
  });

  it('gives up after the one retry', async function () {
    const result = await deliver([502]);
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 2);
    assert.match(result.problem ?? '', /answered 502: receiver says no/);
  });

  for (const status of [400, 401, 403, 422]) {
    it(`does not retry a ${status}`, async function () {
      const result = await deliver([status, 201]);
      assert.equal(result.delivered, false);
      assert.equal(result.attempts, 1);
      assert.equal(receiver?.received.length, 1);
    });
  }

  it('says when the service refused the token, naming the kind of credential', async function () {
    assert.match((await deliver([401])).problem ?? '', /did not accept the job's OIDC token/);
  });

  describe("when the service refuses the job's OIDC token and a static token is set", function () {
    const both: Credential[] = [
      { kind: 'oidc', token: 'oidc-tok' },
      { kind: 'static', token: 'static-tok' },
    ];

    for (const refusal of [401, 403]) {
      it(`sends the report once more with the static token after a ${refusal}, and says which one was accepted`, async function () {
        const result = await deliver([refusal, 201], both);
        assert.deepEqual(result, {
          delivered: true,
          status: 201,
          attempts: 2,
          credential: 'static',
          refused: { credential: 'oidc', status: refusal },
        });
        assert.deepEqual(
          receiver?.received.map((r) => r.authorization),
          ['Bearer oidc-tok', 'Bearer static-tok'],
        );
      });
    }

    it('keeps its one retry for a 5xx that answers the static token', async function () {
      const result = await deliver([401, 503, 201], both);
      assert.equal(result.delivered, true);
      assert.equal(result.attempts, 3);
      assert.deepEqual(
        receiver?.received.map((r) => r.authorization),
        ['Bearer oidc-tok', 'Bearer static-tok', 'Bearer static-tok'],
      );
    });

    it('retries a 5xx with the OIDC token, not the static one: the service did not refuse the credential', async function () {
      const result = await deliver([500, 201], both);
      assert.deepEqual(result, { delivered: true, status: 201, attempts: 2, credential: 'oidc' });
      assert.deepEqual(
        receiver?.received.map((r) => r.authorization),
        ['Bearer oidc-tok', 'Bearer oidc-tok'],
      );
    });

    it('gives up, naming both refusals, when the static token is refused too', async function () {
      const result = await deliver([401, 403], both);
      assert.equal(result.delivered, false);
      assert.equal(result.attempts, 2);
      assert.match(
        result.problem ?? '',
        /answered 401 \(the service did not accept the job's OIDC token\).*then, with the static token \(ContainerMapping\.Token\), the service answered 403 \(the service did not accept the static token/,
      );
      assert.doesNotMatch(result.problem ?? '', /oidc-tok|static-tok/);
    });

    it('sends nothing with the static token when the refusal comes after the time budget is spent', async function () {
      // A service that answers 401 only after 150 ms, with 200 ms left: whether the answer or the
      // attempt's own timeout comes first, no time is left for a second request.
      let posts = 0;
      const slow = createHttpServer((req, res) => {
        posts++;
        req.resume();
        setTimeout(() => res.writeHead(401, { 'Content-Type': 'application/problem+json' }).end('{"title":"no"}'), 150);
      });
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', () => resolve()));
      try {
        const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
        const result = await deliverReport({
          serviceUrl: url,
          credentials: both,
          body: '{}',
          attemptTimeoutMs: 2000,
          deadlineMs: Date.now() + 200,
          retryDelayMs: 10,
        });
        assert.equal(result.delivered, false);
        assert.equal(posts, 1);
        assert.notEqual(result.credential, 'static');
      } finally {
        slow.closeAllConnections();
        await new Promise((resolve) => slow.close(resolve));
      }
    });
  });

  it('sends no second request after a 401 when only the OIDC token exists (the report is then attached, as before)', async function () {
    const result = await deliver([401, 201], [{ kind: 'oidc', token: 'oidc-tok' }]);
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 1);
    assert.equal(receiver?.received.length, 1);
  });

  const decisions: Array<[number | undefined, boolean, boolean, ReturnType<typeof nextStep>]> = [
    [401, false, true, 'next-credential'],
    [403, false, true, 'next-credential'],
    [401, true, true, 'next-credential'],
    [401, false, false, 'give-up'],
    [403, false, false, 'give-up'],
    [500, false, true, 'retry'],
    [503, true, true, 'give-up'],
    [429, false, false, 'retry'],
    [undefined, false, true, 'retry'],
    [undefined, true, true, 'give-up'],
    [400, false, true, 'give-up'],
    [404, false, true, 'give-up'],
  ];
  for (const [status, retried, credentialLeft, expected] of decisions) {
    it(`decides ${expected} after ${status ?? 'no answer'} (${retried ? 'already retried' : 'not retried yet'}, ${credentialLeft ? 'a credential left' : 'no credential left'})`, function () {
      assert.equal(nextStep(status, { retried, credentialLeft }), expected);
    });
  }

  it('reports an unreachable service without throwing', async function () {
    const closed = await ReportReceiver.start();
    const url = closed.url;
    await closed.close();
    const result = await deliverReport({
      serviceUrl: url,
      body: '{}',
      attemptTimeoutMs: 1000,
      deadlineMs: Date.now() + 3000,
      retryDelayMs: 10,
    });
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 2);
    assert.match(result.problem ?? '', /could not be reached \(ECONNREFUSED\)/);
  });

  it('starts no attempt once the deadline has passed', async function () {
    const result = await deliverReport({
      serviceUrl: 'http://127.0.0.1:9',
      body: '{}',
      attemptTimeoutMs: 1000,
      deadlineMs: Date.now() - 1,
    });
    assert.deepEqual(result, { delivered: false, problem: 'no time left to send', attempts: 0 });
  });

  it('refuses a service URL that is not http(s)', async function () {
    const result = await deliverReport({ serviceUrl: 'ftp://x', body: '{}', attemptTimeoutMs: 1000, deadlineMs: Date.now() + 1000 });
    assert.equal(result.attempts, 0);
    assert.match(result.problem ?? '', /not an http\(s\) URL/);
  });

  for (const [status, retry] of [
    [undefined, true],
    [500, true],
    [429, true],
    [404, false],
    [201, false],
  ] as const) {
    it(`${retry ? 'retries' : 'does not retry'} ${status ?? 'a network error'}`, function () {
      assert.equal(isRetryable(status), retry);
    });
  }

  describe("through the agent's web proxy", function () {
    let proxy: ForwardProxy;
    beforeEach(async function () {
      proxy = await ForwardProxy.start('svc', 'pw');
    });
    afterEach(async function () {
      await proxy.close();
    });

    it('posts to an http service in absolute form with the proxy credentials, and the bearer token only to the service', async function () {
      receiver = await ReportReceiver.start([201]);
      const result = await deliverReport({
        serviceUrl: receiver.url,
        credentials: [{ kind: 'oidc', token: 'tok' }],
        body: '{"a":1}',
        attemptTimeoutMs: 2000,
        deadlineMs: Date.now() + 5000,
        proxy: { url: proxy.url, username: 'svc', password: 'pw', bypass: [] },
      });
      assert.deepEqual(result, { delivered: true, status: 201, attempts: 1, credential: 'oidc' });
      assert.deepEqual(
        proxy.requests.map((r) => [r.method, r.target, r.accepted]),
        [['POST', `${receiver.url}/api/v1/reports`, true]],
      );
      assert.deepEqual(receiver.received, [
        { path: '/api/v1/reports', authorization: 'Bearer tok', contentType: 'application/json', body: { a: 1 } },
      ]);
    });

    it('goes directly to a service in the bypass list', async function () {
      receiver = await ReportReceiver.start([201]);
      const bypass = [`^${receiver.url.replace(/[.]/g, '\\.')}/`];
      const result = await deliverReport({
        serviceUrl: receiver.url,
        body: '{}',
        attemptTimeoutMs: 2000,
        deadlineMs: Date.now() + 5000,
        proxy: { url: proxy.url, username: 'svc', password: 'pw', bypass },
      });
      assert.equal(result.delivered, true);
      assert.deepEqual(proxy.requests, []);
    });

    it('says the proxy refused its credentials, without retrying', async function () {
      receiver = await ReportReceiver.start([201]);
      const result = await deliverReport({
        serviceUrl: receiver.url,
        body: '{}',
        attemptTimeoutMs: 2000,
        deadlineMs: Date.now() + 5000,
        retryDelayMs: 10,
        proxy: { url: proxy.url, username: 'svc', password: 'wrong', bypass: [] },
      });
      assert.deepEqual(result, { delivered: false, status: 407, problem: 'the proxy refused its credentials (407)', attempts: 1 });
      assert.equal(receiver.received.length, 0);
    });

    describe('to an https service', function () {
      let folder: string;
      let server: HttpsServer;
      let serviceUrl: string;
      let posts: number;
      before(async function () {
        const tls = loopbackCertificate('127.0.0.1');
        folder = tls.folder;
        server = createHttpsServer({ key: tls.key, cert: tls.certificate }, (req, res) => {
          posts++;
          req.resume();
          res.writeHead(201).end('{}');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
        serviceUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      beforeEach(function () {
        posts = 0;
      });
      after(async function () {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        rmSync(folder, { recursive: true, force: true });
      });

      it('refuses a token that would break the request before any connection, naming the header and not the token', async function () {
        // A secret variable pasted with a line break: through the tunnel, the request head is written
        // only after the proxy answers, so it must be refused before, not inside that socket event.
        const token = 'cmt_pasted\r\nX-Injected: 1';
        const result = await deliverReport({
          serviceUrl,
          credentials: [{ kind: 'static', token }],
          body: '{}',
          attemptTimeoutMs: 2000,
          deadlineMs: Date.now() + 5000,
          retryDelayMs: 10,
          proxy: { url: proxy.url, username: 'svc', password: 'pw', bypass: [] },
        });
        assert.equal(result.delivered, false);
        assert.match(result.problem ?? '', /through the proxy \(invalid header "Authorization"\)/);
        assert.ok(!(result.problem ?? '').includes('cmt_pasted'));
        assert.deepEqual(proxy.requests, []);
        assert.equal(posts, 0);
      });

      it("opens a CONNECT tunnel with the proxy credentials and checks the service's own certificate through it", async function () {
        const result = await deliverReport({
          serviceUrl,
          body: '{}',
          attemptTimeoutMs: 2000,
          deadlineMs: Date.now() + 5000,
          retryDelayMs: 10,
          proxy: { url: proxy.url, username: 'svc', password: 'pw', bypass: [] },
        });
        // The certificate is self-signed and not trusted by this process: TLS ran with the
        // service through the tunnel, and its certificate was verified, so nothing was posted.
        assert.equal(result.delivered, false);
        assert.match(result.problem ?? '', /through the proxy \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|.*self.signed)/i);
        assert.equal(posts, 0);
        const authority = new URL(serviceUrl).host;
        assert.deepEqual(
          proxy.requests.map((r) => [r.method, r.target, r.accepted]),
          [
            ['CONNECT', authority, true],
            ['CONNECT', authority, true],
          ],
        );
      });

      it('says the proxy refused its credentials when it answers CONNECT with 407', async function () {
        const result = await deliverReport({
          serviceUrl,
          body: '{}',
          attemptTimeoutMs: 2000,
          deadlineMs: Date.now() + 5000,
          retryDelayMs: 10,
          proxy: { url: proxy.url, username: 'svc', password: 'wrong', bypass: [] },
        });
        assert.deepEqual(result, { delivered: false, problem: 'the proxy refused its credentials (407)', attempts: 1 });
        assert.equal(posts, 0);
      });
    });
  });
});
