import { strict as assert } from 'node:assert';
import { deliverReport, isRetryable } from '../../tasks/ContainerMappingV1/deliver';
import { ReportReceiver } from './receiver';

describe('Report delivery', function () {
  let receiver: ReportReceiver | undefined;
  afterEach(async function () {
    await receiver?.close();
    receiver = undefined;
  });

  async function deliver(statuses: number[], token: string | undefined = 'tok') {
    receiver = await ReportReceiver.start(statuses);
    return deliverReport({ serviceUrl: `${receiver.url}/`, token, body: '{"a":1}', attemptTimeoutMs: 2000, deadlineMs: Date.now() + 5000, retryDelayMs: 10 });
  }

  it('posts JSON with the bearer token to /api/v1/reports', async function () {
    const result = await deliver([201]);
    assert.deepEqual(result, { delivered: true, status: 201, attempts: 1 });
    assert.deepEqual(receiver?.received, [{ path: '/api/v1/reports', authorization: 'Bearer tok', contentType: 'application/json', body: { a: 1 } }]);
  });

  for (const first of [500, 503, 429]) {
    it(`tries once more after ${first}`, async function () {
      const result = await deliver([first, 200]);
      assert.deepEqual(result, { delivered: true, status: 200, attempts: 2 });
    });
  }

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

  it('says when the service refused the token', async function () {
    assert.match((await deliver([401])).problem ?? '', /did not accept the token/);
  });

  it('reports an unreachable service without throwing', async function () {
    const closed = await ReportReceiver.start();
    const url = closed.url;
    await closed.close();
    const result = await deliverReport({ serviceUrl: url, body: '{}', attemptTimeoutMs: 1000, deadlineMs: Date.now() + 3000, retryDelayMs: 10 });
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 2);
    assert.match(result.problem ?? '', /could not be reached \(ECONNREFUSED\)/);
  });

  it('starts no attempt once the deadline has passed', async function () {
    const result = await deliverReport({ serviceUrl: 'http://127.0.0.1:9', body: '{}', attemptTimeoutMs: 1000, deadlineMs: Date.now() - 1 });
    assert.deepEqual(result, { delivered: false, problem: 'no time left to send', attempts: 0 });
  });

  it('refuses a service URL that is not http(s)', async function () {
    const result = await deliverReport({ serviceUrl: 'ftp://x', body: '{}', attemptTimeoutMs: 1000, deadlineMs: Date.now() + 1000 });
    assert.equal(result.attempts, 0);
    assert.match(result.problem ?? '', /not an http\(s\) URL/);
  });

  for (const [status, retry] of [[undefined, true], [500, true], [429, true], [404, false], [201, false]] as const) {
    it(`${retry ? 'retries' : 'does not retry'} ${status ?? 'a network error'}`, function () {
      assert.equal(isRetryable(status), retry);
    });
  }
});
