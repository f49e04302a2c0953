/**
 * The OpenAPI document is generated from the routes' own declarations (`@fastify/swagger`):
 * it is valid, it lists every route the app serves, and the response schemas, which Fastify
 * also serialises the answers with, keep every field the store returns.
 */
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { ReportSchema } from '../../common/report';
import type { MappingApp } from '../../service/src/app';
import { DATABASES, SQLITE } from './support/stores';
import { READ_TOKEN, startTestService, type TestService } from './support/app';
import { digestOf, image, makeReport } from './support/reports';
import { GitHubReportSchema } from '../../common/githubReport';

type Operation = {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
};
type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

/**
 * Every `METHOD /path` the app serves, read from Fastify's own route tree (`printRoutes`), with
 * path parameters written the OpenAPI way (`{digest}`). HEAD routes Fastify adds for each GET
 * are left out: the document describes the GET.
 */
function servedRoutes(app: MappingApp): Set<string> {
  const routes = new Set<string>();
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S*) \(([^)]*)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (prefixes[depth - 1] ?? '') + (match[2] ?? '');
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    const methods = (match[3] ?? '').split(', ').filter((m) => m !== '-');
    for (const method of methods) {
      if (method === 'HEAD' && methods.includes('GET')) continue;
      routes.add(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

/**
 * `@fastify/swagger` writes TypeBox's `Type.Record` (`patternProperties: {"^(.*)$": X}`) as the
 * equivalent `additionalProperties: X`; so does this, to compare. Any other pattern is kept, and
 * would show up as a difference: the generator would have dropped it.
 */
function recordsAsAdditionalProperties(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(recordsAsAdditionalProperties);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    const patterns = key === 'patternProperties' ? Object.entries(value as Record<string, unknown>) : [];
    if (patterns.length === 1 && patterns[0]?.[0] === '^(.*)$') out.additionalProperties = recordsAsAdditionalProperties(patterns[0][1]);
    else out[key] = recordsAsAdditionalProperties(value);
  }
  return out;
}

/** What the answer was before response schemas: the handler's value through `JSON.stringify`. */
const asSentWithoutSchema = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('The generated OpenAPI document', () => {
  let svc: TestService;
  let doc: OpenApiDocument;
  before(async () => {
    svc = await startTestService(SQLITE);
    const response = await svc.app.inject('/openapi.json');
    assert.equal(response.statusCode, 200);
    doc = response.json<OpenApiDocument>();
  });
  after(async () => svc?.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    // validate() dereferences in place: give it a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('lists every route the app serves, and no other', () => {
    const served = servedRoutes(svc.app);
    assert.ok(served.size >= 8, `printRoutes was not understood: ${[...served].join(', ')}`);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    assert.deepEqual([...documented].sort(), [...served].sort());
  });

  it('declares each path parameter, and a JSON answer and problem documents for each API route', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          assert.ok(
            operation.parameters?.some((p) => p.in === 'path' && p.name === name && p.required === true),
            `${where}: path parameter ${name}`,
          );
        }
        const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
        assert.ok(success.length > 0, `${where}: no 2xx answer`);
        if (!path.startsWith('/api/')) continue;
        for (const status of success)
          assert.ok(operation.responses[status]?.content?.['application/json']?.schema, `${where} ${status}: no schema`);
        for (const status of ['400', '401', '403']) {
          assert.deepEqual(
            operation.responses[status]?.content?.['application/problem+json']?.schema,
            { $ref: '#/components/schemas/Problem' },
            `${where} ${status}`,
          );
        }
      }
    }
  });

  it('describes the report body with the report schema the service validates against', () => {
    const body = doc.paths['/api/v1/reports']?.post?.requestBody?.content['application/json']?.schema;
    assert.deepEqual(body, { anyOf: [{ $ref: '#/components/schemas/Report' }, { $ref: '#/components/schemas/GitHubReport' }] });
    const { $id: _id, ...expected } = asSentWithoutSchema(ReportSchema) as Record<string, unknown>;
    assert.deepEqual(doc.components.schemas.Report, recordsAsAdditionalProperties(expected));
    const { $id: _gid, ...github } = asSentWithoutSchema(GitHubReportSchema) as Record<string, unknown>;
    assert.deepEqual(doc.components.schemas.GitHubReport, recordsAsAdditionalProperties(github));
  });

  it('holds every read route to a read token, through the one access hook', async () => {
    const reads = Object.entries(doc.paths).filter(([path, item]) => path.startsWith('/api/') && item.get);
    assert.ok(reads.length >= 3);
    for (const [path] of reads) {
      // A route's required query parameters are given: a bad parameter is a 400 before a missing token is a 401.
      const requiredQuery: Record<string, string> = {
        '/api/v1/exposed': '?minSeverity=high',
        '/api/v1/sources/images': '?repository=web-api',
      };
      const required = requiredQuery[path] ?? '';
      const url = path.replace('{digest}', digestOf('web-api')).replace('{runId}', '12') + required;
      assert.equal((await svc.app.inject(url)).statusCode, 401, `${url} without a token`);
      assert.ok([200, 404].includes((await svc.read(url)).statusCode), `${url} with the read token`);
    }
  });
});

for (const kind of DATABASES) {
  describe(`Answers serialised with the response schemas on ${kind.name}`, () => {
    let svc: TestService;
    beforeEach(async () => {
      svc = await startTestService(kind);
      // Every optional field set on one run, and an ambiguous push (attributionReason not null).
      await svc.send(
        makeReport({
          images: [
            image({ imageId: `sha256:${'a'.repeat(64)}`, os: 'linux', architecture: 'amd64' }),
            image({ digest: digestOf('untagged'), tag: undefined }),
          ],
        }),
      );
      await svc.send(
        makeReport({
          pipeline: { runId: 13, stage: 'Build', jobName: undefined, runUrl: undefined },
          images: [image({ pushedAt: '2026-03-01T10:00:00.500Z' })],
        }),
      );
    });
    afterEach(async () => svc.close());

    it('keeps every field of an image, a push page and a run page that the store returns', async () => {
      const digest = digestOf('web-api');
      const detail = await svc.read(`/api/v1/images/${digest}`);
      assert.equal(detail.statusCode, 200);
      const usage = await svc.app.store.imageUsage(digest);
      assert.deepEqual(detail.json(), asSentWithoutSchema({ ...(await svc.app.store.getImage(digest)), ...usage }));
      assert.equal(detail.json().pushes[0].attribution, 'ambiguous');

      const list = await svc.read('/api/v1/images?limit=2');
      assert.deepEqual(list.json(), asSentWithoutSchema(await svc.app.store.listPushes({}, { limit: 2 })));
      assert.equal(typeof list.json().nextCursor, 'string');

      const run = await svc.read('/api/v1/runs/12');
      assert.deepEqual(run.json(), asSentWithoutSchema(await svc.app.store.listPushes({ runId: 12, hub: 'build' }, { limit: 50 })));
      assert.equal(run.json().items.length, 2);
    });

    it('keeps every field of a problem document', async () => {
      const got = await svc.read('/api/v1/images?colour=blue');
      assert.equal(got.statusCode, 400);
      assert.equal(got.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.deepEqual(got.json(), {
        type: 'https://container-mapping.dev/problems/invalid-parameter',
        title: 'Invalid input',
        status: 400,
        detail: 'querystring parameter "colour" is not a known parameter',
        parameter: 'colour',
        errors: [{ parameter: 'colour', detail: 'is not a known parameter' }],
      });
      const anonymous = await svc.app.inject({ url: '/api/v1/images', headers: { authorization: `Bearer ${READ_TOKEN}x` } });
      assert.deepEqual(Object.keys(anonymous.json()).sort(), ['detail', 'status', 'title', 'type']);
    });
  });
}
