/**
 * collector/http.ts: the HTTP/1.1 client of the report and the Azure DevOps calls. The answer
 * reader on bytes in any pieces (declared lengths, chunks, interim answers, a body that ends with
 * the connection, caps, malformed answers), the request head, and whole requests against servers
 * on loopback that answer in ways node:http's server does not (a kept-open connection, chunks
 * written one by one, an answer cut short).
 */
import { strict as assert } from 'node:assert';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { AnswerReader, parseHead, requestHead, sendRequest } from '../../collector/http';

/** Feeds `raw` to a reader `piece` bytes at a time; the answer and how many bytes it had read when it completed. */
function feedInPieces(raw: string, piece: number, max = 64 * 1024): { answer: ReturnType<AnswerReader['feed']>; at: number } {
  const reader = new AnswerReader(max);
  const bytes = Buffer.from(raw, 'latin1');
  for (let at = 0; at < bytes.length; at += piece) {
    const answer = reader.feed(bytes.subarray(at, at + piece));
    if (answer) return { answer, at: Math.min(at + piece, bytes.length) };
  }
  return { answer: undefined, at: bytes.length };
}

describe('The HTTP client of the report and the Azure DevOps calls', function () {
  describe('reading an answer', function () {
    for (const piece of [1, 7, 4096]) {
      it(`completes a Content-Length answer at its last byte, in pieces of ${piece}, without waiting for the connection's end`, function () {
        const raw = 'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
        const { answer, at } = feedInPieces(`${raw}GARBAGE AFTER THE END`, piece);
        assert.deepEqual(answer, {
          status: 201,
          headers: { 'content-type': 'application/json', 'content-length': '11' },
          body: '{"ok":true}',
        });
        assert.ok(at >= raw.length && at < raw.length + piece + 1, `completed after ${at} bytes`);
      });

      it(`decodes a chunked answer with extensions and trailers, in pieces of ${piece}`, function () {
        const raw =
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
          '5;name=value\r\nhello\r\n' +
          '1\r\n \r\n' +
          'a\r\nworld, 10!\r\n' +
          '0\r\nX-Trailer: 1\r\n\r\n';
        assert.deepEqual(feedInPieces(raw, piece).answer, {
          status: 200,
          headers: { 'transfer-encoding': 'chunked' },
          body: 'hello world, 10!',
        });
      });
    }

    it('skips interim answers (100 Continue, 103 Early Hints) and reads the final one', function () {
      const raw =
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}';
      assert.deepEqual(feedInPieces(raw, 3).answer, { status: 202, headers: { 'content-length': '2' }, body: '{}' });
    });

    it('reads a body with no declared length to the connection’s end, and a 204 with none at once', function () {
      const reader = new AnswerReader(1024);
      assert.equal(reader.feed(Buffer.from('HTTP/1.0 200 OK\r\nServer: old\r\n\r\npart one, ')), undefined);
      assert.equal(reader.feed(Buffer.from('part two')), undefined);
      assert.deepEqual(reader.closed(), { status: 200, headers: { server: 'old' }, body: 'part one, part two' });
      assert.deepEqual(new AnswerReader(1024).feed(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')), { status: 204, headers: {}, body: '' });
    });

    it('keeps only the first maxBodyBytes of the body and still reads it to its end', function () {
      const body = 'x'.repeat(5000);
      const { answer } = feedInPieces(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 999, 100);
      assert.deepEqual(answer, { status: 500, headers: { 'content-length': '5000' }, body: 'x'.repeat(100) });
    });

    it('refuses what is not an HTTP/1.x answer, an unreadable length or chunk, and says when the connection ended too soon', function () {
      assert.throws(() => new AnswerReader(10).feed(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), /not HTTP\/1\.x/);
      assert.throws(() => new AnswerReader(10).feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')), /Content-Length/);
      assert.throws(
        () => new AnswerReader(10).feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')),
        /chunk size/,
      );
      assert.throws(
        () => new AnswerReader(10).feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY')),
        /malformed chunk/,
      );
      const cut = new AnswerReader(10);
      cut.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
      assert.match((cut.closed() as Error).message, /closed before the answer ended/);
      assert.match((new AnswerReader(10).closed() as Error).message, /closed without an answer/);
    });

    it('reads header names in any case and joins repeated ones', function () {
      assert.deepEqual(parseHead('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nwww-authenticate: Basic'), {
        status: 401,
        headers: { 'www-authenticate': 'Bearer, Basic' },
      });
      assert.equal(parseHead('HTTP/2 200'), undefined);
    });
  });

  describe('writing a request', function () {
    it('writes an HTTP/1.1 head with Host and Connection: close', function () {
      assert.equal(
        requestHead('POST', '/api/v1/reports', '127.0.0.1:8080', { 'Content-Type': 'application/json', 'Content-Length': '2' }),
        'POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n',
      );
    });

    it('writes a CONNECT head without Connection: close, since its connection becomes the tunnel', function () {
      assert.equal(
        requestHead('CONNECT', 'contoso.example:443', 'contoso.example:443', { 'Proxy-Authorization': 'Basic eDp5' }, true),
        'CONNECT contoso.example:443 HTTP/1.1\r\nHost: contoso.example:443\r\nProxy-Authorization: Basic eDp5\r\n\r\n',
      );
    });

    it('refuses a header value with a line break or a name that is not a token, which would split the request', function () {
      assert.throws(() => requestHead('GET', '/', 'h', { Authorization: 'Bearer a\r\nX-Evil: 1' }), /invalid header "Authorization"/);
      assert.throws(() => requestHead('GET', '/', 'h', { 'Bad Name': 'x' }), /invalid header/);
    });
  });

  describe('whole requests against a server on loopback', function () {
    let server: Server;
    let url: string;
    let answer: (socket: Socket, request: string) => void;
    const sockets: Socket[] = [];

    before(async function () {
      server = createServer((socket) => {
        sockets.push(socket);
        let request = '';
        socket.on('data', (data: Buffer) => {
          request += data.toString('latin1');
          const end = request.indexOf('\r\n\r\n');
          const length = Number(/content-length: (\d+)/i.exec(request)?.[1] ?? 0);
          if (end >= 0 && request.length >= end + 4 + length) answer(socket, request);
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async function () {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('sends the body with its length and settles on the answer while the server keeps the connection open', async function () {
      let seen = '';
      answer = (socket, request) => {
        seen = Buffer.from(request, 'latin1').toString('utf8');
        socket.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}'); // and never closes
      };
      const result = await sendRequest(new URL(`${url}/api/v1/reports?x=1`), {
        method: 'POST',
        headers: { Authorization: 'Bearer t' },
        body: '{"é":1}',
        timeoutMs: 5000,
        proxy: undefined,
      });
      assert.deepEqual(result, { status: 201, headers: { 'content-length': '2' }, body: '{}' });
      assert.match(
        seen,
        /^POST \/api\/v1\/reports\?x=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nAuthorization: Bearer t\r\nContent-Length: 8\r\nConnection: close\r\n\r\n\{"é":1\}$/,
      );
    });

    it('reads chunks the server writes one by one, with pauses between them', async function () {
      answer = (socket) => {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        const parts = ['4\r\n{"a"', '\r\n', '3\r\n:1}\r\n', '0\r\n\r\n'];
        parts.forEach((part, i) => setTimeout(() => socket.write(part), 10 * (i + 1)));
      };
      assert.deepEqual(await sendRequest(new URL(url), { method: 'GET', headers: {}, timeoutMs: 5000, proxy: undefined }), {
        status: 200,
        headers: { 'transfer-encoding': 'chunked' },
        body: '{"a":1}',
      });
    });

    it('rejects an answer cut short by the server, and one that does not come in time', async function () {
      answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
      await assert.rejects(
        sendRequest(new URL(url), { method: 'GET', headers: {}, timeoutMs: 5000, proxy: undefined }),
        /closed before the answer ended/,
      );
      answer = () => undefined;
      await assert.rejects(
        sendRequest(new URL(url), { method: 'GET', headers: {}, timeoutMs: 200, proxy: undefined }),
        /no answer within 200 ms/,
      );
    });

    it('rejects when abandoned, and a refused connection with its code', async function () {
      answer = () => undefined;
      let abandon: () => void = () => undefined;
      const pending = sendRequest(new URL(url), {
        method: 'GET',
        headers: {},
        timeoutMs: 5000,
        proxy: undefined,
        onStart: (a) => (abandon = a),
      });
      setTimeout(() => abandon(), 20);
      await assert.rejects(pending, /abandoned/);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      await assert.rejects(
        sendRequest(new URL(`http://127.0.0.1:${port}/`), { method: 'GET', headers: {}, timeoutMs: 5000, proxy: undefined }),
        {
          code: 'ECONNREFUSED',
        },
      );
    });
  });
});
