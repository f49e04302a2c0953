/**
 * The HTTP edge, over real sockets: slow and stalled clients are cut off, a client that may
 * not send reports is refused before its body is read, and every refusal — including the
 * ones Node's HTTP server makes before Fastify sees the request — is problem+json.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SQLITE } from './support/stores';
import { INGEST_TOKEN, READ_TOKEN, startTestService, type TestService } from './support/app';
import { makeReport } from './support/reports';

/** A raw client connection: what it received, and when the server closed it. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves with everything received once `pattern` matches it. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves when the server has closed the connection (never rejects: a reset is a close too). */
  closed: Promise<void>;
}

function openRaw(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const waiters: Array<{ pattern: RegExp; done: (text: string) => void }> = [];
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('utf8');
      for (const w of waiters.splice(0)) {
        if (w.pattern.test(data)) w.done(data);
        else waiters.push(w);
      }
    });
    // The server may close while the client is still writing: EPIPE/ECONNRESET are expected.
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        waitFor: (pattern) => new Promise((done) => (pattern.test(data) ? done(data) : waiters.push({ pattern, done }))),
        closed,
      }),
    );
    socket.once('error', reject);
  });
}

/** The status line's code and the JSON body of a raw HTTP/1.1 answer. */
function parseAnswer(raw: string): { status: number; headers: string; body: Record<string, unknown> } {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { status, headers: head.toLowerCase(), body: JSON.parse(raw.slice(end + 4)) as Record<string, unknown> };
}

function assertProblem(raw: string, status: number): Record<string, unknown> {
  const answer = parseAnswer(raw);
  assert.equal(answer.status, status, raw);
  assert.match(answer.headers, /content-type: application\/problem\+json/);
  assert.equal(answer.body.status, status);
  return answer.body;
}

const postHead = (length: number, authorization?: string) =>
  `POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n` +
  `${authorization === undefined ? '' : `Authorization: ${authorization}\r\n`}\r\n`;

describe('The HTTP edge of the service', function () {
  this.timeout(30_000);
  let svc: TestService;
  let port: number;

  beforeEach(async () => {
    svc = await startTestService(SQLITE, { requestTimeoutMs: 500 });
    await svc.app.listen({ host: '127.0.0.1', port: 0 });
    port = (svc.app.server.address() as AddressInfo).port;
  });
  afterEach(async () => svc.close());

  it('cuts off an authenticated client that stalls in the middle of its body, with a 408 problem', async () => {
    const conn = await openRaw(port);
    conn.socket.write(postHead(10_000, `Bearer ${INGEST_TOKEN}`));
    conn.socket.write('{"schemaVersion": 1, ');
    await conn.closed;
    // Ended by the server: the client never finished (or closed) its request.
    assertProblem(conn.received(), 408);
  });

  it('cuts off a client that never finishes its headers', async () => {
    const conn = await openRaw(port);
    conn.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await conn.closed;
    const received = conn.received();
    if (received !== '') assertProblem(received, 408);
  });

  const refusals: Array<[string, string | undefined, number]> = [
    ['without credentials', undefined, 401],
    ['with a token that does not verify', 'Bearer cmt_not-a-known-token', 401],
    ['with a token that may only read', `Bearer ${READ_TOKEN}`, 403],
  ];
  for (const [label, authorization, status] of refusals) {
    it(`refuses a large report ${label} with ${status} while the client is still sending it, and closes the connection`, async () => {
      const conn = await openRaw(port);
      const size = 1024 * 1024;
      conn.socket.write(postHead(size, authorization));
      conn.socket.write(' '.repeat(16 * 1024));
      // The answer arrives although 1 MiB minus 16 KiB of the body was never sent.
      const raw = await conn.waitFor(/\r\n\r\n\{.*\}$/s);
      const problem = assertProblem(raw, status);
      assert.match(parseAnswer(raw).headers, /connection: close/);
      assert.ok(!JSON.stringify(problem).includes('cmt_'), 'the answer repeats the token');
      await conn.closed;
    });
  }

  it('refuses a body for a route that does not exist before reading it', async () => {
    const conn = await openRaw(port);
    conn.socket.write(
      `POST /api/v1/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
    );
    conn.socket.write('{');
    assertProblem(await conn.waitFor(/\r\n\r\n\{.*\}$/s), 404);
    await conn.closed;
  });

  it('still takes a report sent whole within the timeout', async () => {
    const body = JSON.stringify(makeReport());
    const conn = await openRaw(port);
    conn.socket.write(postHead(Buffer.byteLength(body), `Bearer ${INGEST_TOKEN}`) + body);
    const raw = await conn.waitFor(/\r\n\r\n\{.*\}$/s);
    assert.equal(parseAnswer(raw).status, 201, raw);
    conn.socket.destroy();
  });

  it('answers headers over the size limit with a 431 problem', async () => {
    const conn = await openRaw(port);
    conn.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20 * 1024)}\r\n\r\n`);
    await conn.closed;
    assertProblem(conn.received(), 431);
  });

  it('answers bytes that are not HTTP with a 400 problem', async () => {
    const conn = await openRaw(port);
    conn.socket.write('HELLO THERE\r\n\r\n');
    await conn.closed;
    assertProblem(conn.received(), 400);
  });

  it('answers a path parameter over the router limit with a 414 problem', async () => {
    const response = await svc.app.inject({
      method: 'GET',
      url: `/api/v1/images/${'a'.repeat(150)}`,
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    });
    assert.equal(response.statusCode, 414, response.body);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(response.json<{ status: number }>().status, 414);
  });

  it('answers a URL that does not decode with a 400 problem', async () => {
    const response = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/images/%E0%A4%A',
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    });
    assert.equal(response.statusCode, 400, response.body);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  });

  it('refuses a text/plain report with 415, as the README promises', async () => {
    const response = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'text/plain' },
      payload: JSON.stringify(makeReport()),
    });
    assert.equal(response.statusCode, 415, response.body);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal((await svc.app.store.counts()).reports, 0);
  });
});
