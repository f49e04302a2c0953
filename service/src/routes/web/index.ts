/**
 * The explorer page (web/, built by `npm run build:web` into build/web/): `GET /` and its two
 * assets. A handler of our own rather than @fastify/static: the page is exactly three files with
 * fixed names, so there is no directory to walk, no path to sanitise and no dependency to add.
 * Every answer carries the page's security headers; the API routes are left as they are.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ProblemError } from '../../errors';
import type { AppInstance } from '../../http/types';
import { problemResponse } from '../../schemas/responses';

/**
 * Scripts and styles only from the service itself (no inline script, no inline style: Cytoscape
 * draws on a canvas and sets styles through the CSSOM, which CSP does not restrict); API calls
 * only to the same origin; never inside a frame.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every page answer carries. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // Revalidate each time: the file names are fixed, so a cached copy could outlive an upgrade.
  'cache-control': 'no-cache',
};

const FILES = [
  { url: '/', file: 'index.html', type: 'text/html; charset=utf-8', summary: 'The explorer page' },
  { url: '/assets/app.js', file: 'assets/app.js', type: 'text/javascript; charset=utf-8', summary: "The explorer page's script" },
  { url: '/assets/style.css', file: 'assets/style.css', type: 'text/css; charset=utf-8', summary: "The explorer page's style sheet" },
] as const;

/**
 * Where the built page is: beside the bundled service (build/service/cli.js → build/web) or,
 * when the service runs from its sources (tests, tsx), in the repository's build/web.
 */
export function findWebRoot(): string | null {
  const candidates = [join(__dirname, '..', 'web'), join(__dirname, '..', '..', '..', '..', 'build', 'web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/** Registers `GET /` and the page's assets, served from `webRoot` (default: `findWebRoot()`). */
export function registerWebRoutes(app: AppInstance, webRoot: string | null = findWebRoot()): void {
  for (const { url, file, type, summary } of FILES) {
    const schema = {
      summary,
      security: [],
      response: {
        200: { description: summary, content: { [type.split(';')[0] as string]: { schema: Type.String() } } },
        503: problemResponse('the page was not built (`npm run build:web`)'),
      },
    };
    let cached: Buffer | undefined;
    app.get(url, { schema }, async (_request, reply) => {
      if (webRoot === null) {
        throw new ProblemError(503, 'Page not built', 'the explorer page was not built: run `npm run build:web`', 'page-not-built');
      }
      cached ??= await readFile(join(webRoot, file));
      return reply.headers(PAGE_HEADERS).type(type).send(cached);
    });
  }
}
