/**
 * The explorer page is served by the service itself (issue 11): `/` and its two assets, each with
 * the page's security headers, while the API keeps answering JSON and problem+json.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errorHandler } from '../../service/src/http/errorHandler';
import type { AppInstance } from '../../service/src/http/types';
import { ServiceMetrics } from '../../service/src/metrics/registry';
import { registerWebRoutes } from '../../service/src/routes/web/index';
import { SHARED_SCHEMAS } from '../../service/src/schemas/shared';
import { SQLITE } from './support/stores';
import { startTestService, type TestService } from './support/app';

const ROOT = join(__dirname, '..', '..');

describe('The explorer page served by the service', () => {
  let svc: TestService;
  before(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { cwd: ROOT });
    svc = await startTestService(SQLITE);
  });
  after(async () => svc?.close());

  for (const [url, type] of [
    ['/', 'text/html; charset=utf-8'],
    ['/assets/app.js', 'text/javascript; charset=utf-8'],
    ['/assets/style.css', 'text/css; charset=utf-8'],
  ] as const) {
    it(`serves ${url} without a token, with a CSP that allows no inline script or style and no framing`, async () => {
      const got = await svc.app.inject(url);
      assert.equal(got.statusCode, 200);
      assert.equal(got.headers['content-type'], type);
      assert.ok(got.body.length > 0);
      const csp = String(got.headers['content-security-policy']);
      assert.match(csp, /(^|; )script-src 'self'(;|$)/);
      assert.match(csp, /(^|; )style-src 'self'(;|$)/);
      assert.match(csp, /(^|; )frame-ancestors 'none'(;|$)/);
      assert.match(csp, /(^|; )default-src 'none'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.equal(got.headers['x-content-type-options'], 'nosniff');
      assert.equal(got.headers['x-frame-options'], 'DENY');
      assert.equal(got.headers['referrer-policy'], 'no-referrer');
    });
  }

  it('loads only its own script and style sheet from the page, nothing from another origin', async () => {
    // Comments are not markup: what they say does not load anything.
    const html = (await svc.app.inject('/')).body.replace(/<!--[\s\S]*?-->/g, '');
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(sources.sort(), ['#main', '#/coverage', '#/explore', '/assets/app.js', '/assets/style.css'].sort());
    assert.doesNotMatch(html, /<script>|<style|style=/, 'no inline script or style');
  });

  it('leaves the API as it was: problem+json for an unknown route, JSON for a read, no page headers', async () => {
    const unknown = await svc.app.inject('/assets/other.js');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.headers['content-type'], 'application/problem+json; charset=utf-8');
    const read = await svc.read('/api/v1/coverage');
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['content-security-policy'], undefined);
  });

  it('answers 503 with a problem naming the build command when the page was not built', async () => {
    const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
    for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
    app.setErrorHandler(errorHandler(new ServiceMetrics()));
    registerWebRoutes(app as unknown as AppInstance, null);
    const got = await app.inject('/');
    assert.equal(got.statusCode, 503);
    assert.equal(got.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.match(got.json<{ detail: string }>().detail, /npm run build:web/);
    await app.close();
  });
});
