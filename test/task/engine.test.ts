import { strict as assert } from 'node:assert';
import { decodeChunked, identityFromHeaders, parseHttpResponse } from '../../collector/engine';

describe('Engine answers', function () {
  it('parses status, lowercased headers and body of an HTTP/1.0 answer', function () {
    const raw = Buffer.from('HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n\r\n{"a":1}\n{"b":2}\n');
    const answer = parseHttpResponse(raw);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['api-version'], '1.41');
    assert.equal(answer.body, '{"a":1}\n{"b":2}\n');
  });

  it('decodes a chunked body', function () {
    const raw = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n1\r\n\n\r\n0\r\n\r\n');
    assert.equal(parseHttpResponse(raw).body, '{"a":1}\n');
  });

  for (const [name, raw] of [
    ['has no end of headers', 'HTTP/1.0 200 OK\r\nServer: x'],
    ['is not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['has a broken chunked body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ] as const) {
    it(`rejects an answer that ${name}`, function () {
      assert.throws(() => parseHttpResponse(Buffer.from(raw)), { name: 'EngineUnavailableError' });
    });
  }

  it('refuses a truncated chunk', function () {
    assert.equal(decodeChunked(Buffer.from('a\r\nshort')), undefined);
  });

  for (const [headers, identity] of [
    [
      { 'api-version': '1.41', server: 'Docker/20.10.24+dfsg1 (linux)' },
      { apiVersion: '1.41', serverVersion: '20.10.24+dfsg1' },
    ],
    [{ server: 'nginx' }, {}],
    [{}, {}],
  ] as const) {
    it(`reads the engine's identity ${JSON.stringify(identity)} from ${JSON.stringify(headers)}`, function () {
      assert.deepEqual(identityFromHeaders(headers), identity);
    });
  }
});
