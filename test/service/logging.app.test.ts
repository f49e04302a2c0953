/**
 * No secret in any log line: the service's log at debug level (one line per request, with
 * its URL) is captured and searched for the credentials the requests carried.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { buildApp, type MappingApp } from '../../service/src/app';
import { hashToken } from '../../service/src/auth/staticTokens';
import { redactUrl } from '../../service/src/http/logging';
import { SQLITE, type TestDatabase } from './support/stores';
import { INGEST_TOKEN, READ_TOKEN } from './support/app';
import { makeReport } from './support/reports';

const SECRET = 'cmt_secret-in-the-url-0123456789';

describe('redactUrl', () => {
  const cases: Array<[string, string]> = [
    ['/api/v1/images?repository=team/web', '/api/v1/images?repository=team/web'],
    [`/x?access_token=${SECRET}`, '/x?access_token=[REDACTED]'],
    [`/x?a=1&Token=${SECRET}&b=2`, '/x?a=1&Token=[REDACTED]&b=2'],
    [
      `/x?api_key=${SECRET}&apikey=${SECRET}&client_secret=${SECRET}&password=${SECRET}&sig=${SECRET}`,
      '/x?api_key=[REDACTED]&apikey=[REDACTED]&client_secret=[REDACTED]&password=[REDACTED]&sig=[REDACTED]',
    ],
    [`/x?%61ccess_token=${SECRET}`, '/x?%61ccess_token=[REDACTED]'],
    [`/x?access_token`, '/x?access_token=[REDACTED]'],
    ['/healthz', '/healthz'],
  ];
  for (const [url, expected] of cases) {
    it(`logs ${url.split(SECRET).join('SECRET')} as ${expected}`, () => assert.equal(redactUrl(url), expected));
  }
});

describe('The service log at debug level', () => {
  let db: TestDatabase;
  let app: MappingApp;
  let lines: string[];

  beforeEach(async () => {
    lines = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    db = await SQLITE.create();
    app = await buildApp({
      store: await db.open(),
      logStream: capture,
      config: {
        logLevel: 'debug',
        tokens: [
          { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
          { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
        ],
      },
    });
  });
  afterEach(async () => {
    await app.close();
    await db.destroy();
  });

  it('never contains a token sent in the query string, and each such request is refused naming the parameter', async () => {
    const requests = [
      { method: 'GET' as const, url: `/api/v1/images?access_token=${SECRET}`, parameter: 'access_token' },
      { method: 'GET' as const, url: `/api/v1/images/sha256:${'a'.repeat(64)}?token=${SECRET}`, parameter: 'token' },
      { method: 'GET' as const, url: `/healthz?api_key=${SECRET}`, parameter: 'api_key' },
      { method: 'GET' as const, url: `/nowhere?code=1&password=${SECRET}`, parameter: 'password' },
      { method: 'POST' as const, url: `/api/v1/reports?access_token=${SECRET}`, parameter: 'access_token' },
    ];
    for (const r of requests) {
      const response = await app.inject({
        method: r.method,
        url: r.url,
        ...(r.method === 'POST' ? { payload: makeReport() } : {}),
      });
      assert.equal(response.statusCode, 400, `${r.url}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json<{ parameter: string }>().parameter, r.parameter);
      assert.ok(!response.body.includes(SECRET), 'the answer repeats the secret');
    }
    const requestLines = lines.filter((l) => l.includes('"incoming request"'));
    assert.equal(requestLines.length, requests.length, `expected one request line per request in:\n${lines.join('\n')}`);
    assert.ok(
      requestLines.every((l) => l.includes('[REDACTED]')),
      requestLines.join('\n'),
    );
    const leaking = lines.filter((l) => l.includes(SECRET));
    assert.deepEqual(leaking, [], 'a log line holds the secret');
  });

  it('never contains the Authorization header of an accepted request', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { authorization: `Bearer ${INGEST_TOKEN}` },
      payload: makeReport(),
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.ok(
      lines.some((l) => l.includes('/api/v1/reports')),
      'the request was not logged at all',
    );
    assert.deepEqual(
      lines.filter((l) => l.includes(INGEST_TOKEN)),
      [],
    );
  });
});
