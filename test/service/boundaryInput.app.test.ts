/**
 * Boundary values for every field of the report and every query parameter, on both
 * databases: each is either accepted and read back exactly (or in its documented normal
 * form), or refused with a 4xx problem document naming the field. Never a 500.
 */
import assert from 'node:assert/strict';
import { computeIdempotencyKey } from '../../common/idempotency';
import type { Report } from '../../common/report';
import type { ImageDetail, ImagePush } from '../../service/src/schemas/images';
import { DATABASES } from './support/stores';
import { INGEST_TOKEN, startTestService, type TestService } from './support/app';
import { digestOf, image, makeReport } from './support/reports';
import { readStoredReport } from './support/storedReports';

type Json = Record<string, unknown>;

/** One value for one field, and what must happen to it. */
interface FieldCase {
  pointer: string;
  value: unknown;
  accept: boolean;
  /** For an accepted value: what the API answers for it, when the API shows the field. */
  shown?: unknown;
}

const INT32_MAX = 2 ** 31 - 1;

/** Where the API shows each field of the report, and how it normalises it. */
const SHOWN: Record<string, { get: (p: ImagePush) => unknown; normal?: (v: unknown) => unknown }> = {
  '/pipeline/organizationUrl': { get: (p) => p.organization.url, normal: (v) => String(v).replace(/\/+$/, '').toLowerCase() },
  '/pipeline/projectId': { get: (p) => p.project.id, normal: (v) => String(v).toLowerCase() },
  '/pipeline/projectName': { get: (p) => p.project.name },
  '/pipeline/definitionId': { get: (p) => p.pipeline.id },
  '/pipeline/definitionName': { get: (p) => p.pipeline.name },
  '/pipeline/runId': { get: (p) => p.run.id },
  '/pipeline/runNumber': { get: (p) => p.run.number },
  '/pipeline/runUrl': { get: (p) => p.run.url },
  '/pipeline/jobId': { get: (p) => p.job.id },
  '/pipeline/jobName': { get: (p) => p.job.name },
  '/pipeline/jobAttempt': { get: (p) => p.job.attempt },
  '/pipeline/stage': { get: (p) => p.job.stage },
  '/source/provider': { get: (p) => p.sourceRepository.provider },
  '/source/url': { get: (p) => p.sourceRepository.url },
  '/source/name': { get: (p) => p.sourceRepository.name },
  '/source/id': { get: (p) => p.sourceRepository.id },
  '/source/commit': { get: (p) => p.commit, normal: (v) => String(v).toLowerCase() },
  '/source/branch': { get: (p) => p.branch },
  '/agent/name': { get: (p) => p.agent.name },
  '/agent/os': { get: (p) => p.agent.os },
  '/images/0/tag': { get: (p) => p.tag },
  '/images/0/os': { get: (p) => p.os },
  '/images/0/architecture': { get: (p) => p.architecture },
};

/** Free-text fields and their maximum lengths (the schema's `maxLength`). */
const TEXT_FIELDS: Array<[string, number]> = [
  ['/collector/name', 100],
  ['/collector/version', 50],
  ['/collector/dockerServerVersion', 100],
  ['/collector/dockerApiVersion', 20],
  ['/pipeline/projectId', 100],
  ['/pipeline/projectName', 300],
  ['/pipeline/definitionName', 500],
  ['/pipeline/runNumber', 500],
  ['/pipeline/jobId', 100],
  ['/pipeline/jobName', 500],
  ['/pipeline/stage', 500],
  ['/pipeline/reason', 100],
  ['/source/provider', 100],
  ['/source/url', 2000],
  ['/source/name', 500],
  ['/source/id', 200],
  ['/source/commit', 200],
  ['/source/branch', 1000],
  ['/agent/name', 500],
  ['/agent/os', 100],
  ['/images/0/os', 50],
  ['/images/0/architecture', 50],
  ['/warnings/0/code', 100],
  ['/warnings/0/message', 2000],
];

/** Every string field of the report, whatever its format. */
const ALL_STRING_FIELDS = [
  ...TEXT_FIELDS.map(([p]) => p),
  '/idempotencyKey',
  '/pipeline/organizationUrl',
  '/pipeline/hub',
  '/pipeline/runUrl',
  '/window/since',
  '/window/until',
  '/window/sinceSource',
  '/images/0/digest',
  '/images/0/registry',
  '/images/0/repository',
  '/images/0/tag',
  '/images/0/imageId',
  '/images/0/created',
  '/images/0/pushedAt',
  '/images/0/origin',
  '/images/0/labels/team',
];

const UNUSUAL_TEXT = 'é 😀 "quoted" \\ \u2028 \u0001 <b>&amp;</b> ﬀ';
/** NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates (UTF-8 cannot). */
const UNSTORABLE = ['a\u0000b', 'a\ud800b', '\udfff', 'end\ud83d'];

const INTEGER_FIELDS: Array<[string, number]> = [
  ['/pipeline/definitionId', 0],
  ['/pipeline/runId', 0],
  ['/pipeline/jobAttempt', 1],
];

const TIMESTAMP_FIELDS = ['/window/since', '/window/until', '/images/0/created', '/images/0/pushedAt'];
const TIMESTAMPS_ACCEPTED: Array<[string, string]> = [
  ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
  ['2017-01-01T01:29:60.25+01:30', '2016-12-31T23:59:59.999Z'],
  ['2026-03-01T10:00:00.1234567Z', '2026-03-01T10:00:00.123Z'],
  ['2026-03-01 10:00:00+02:00', '2026-03-01T08:00:00.000Z'],
  ['2026-03-01t10:00:00z', '2026-03-01T10:00:00.000Z'],
  ['2026-03-01T10:00:00-0230', '2026-03-01T12:30:00.000Z'],
  ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
  ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
];
const TIMESTAMPS_REFUSED = [
  '2026-03-01T12:00:60Z',
  '2026-02-29T10:00:00Z',
  '0000-01-01T00:00:00+00:01',
  '9999-12-31T23:59:59.999-00:01',
  '2026-03-01T10:00:00',
];

function fieldCases(): FieldCase[] {
  const cases: FieldCase[] = [];
  for (const [pointer, max] of TEXT_FIELDS) {
    cases.push({ pointer, value: 'x'.repeat(max), accept: true });
    cases.push({ pointer, value: [...UNUSUAL_TEXT].slice(0, max).join(''), accept: true });
    cases.push({ pointer, value: 'x'.repeat(max + 1), accept: false });
    cases.push({ pointer, value: '', accept: false });
  }
  for (const pointer of ALL_STRING_FIELDS) for (const value of UNSTORABLE) cases.push({ pointer, value, accept: false });
  for (const [pointer, min] of INTEGER_FIELDS) {
    for (const value of [min, INT32_MAX]) cases.push({ pointer, value, accept: true });
    for (const value of [min - 1, INT32_MAX + 1, 2 ** 53 + 2, 1e300, 1.5, '12']) cases.push({ pointer, value, accept: false });
  }
  for (const pointer of TIMESTAMP_FIELDS) {
    for (const [value, normal] of TIMESTAMPS_ACCEPTED) {
      cases.push({ pointer, value, accept: true, ...(pointer === '/images/0/pushedAt' ? { shown: normal } : {}) });
    }
    for (const value of TIMESTAMPS_REFUSED) cases.push({ pointer, value, accept: false });
  }
  cases.push(
    { pointer: '/pipeline/organizationUrl', value: `https://dev.azure.com/${'x'.repeat(478)}`, accept: true },
    { pointer: '/pipeline/organizationUrl', value: `https://dev.azure.com/${'x'.repeat(479)}`, accept: false },
    { pointer: '/pipeline/organizationUrl', value: 'https://dev.azure.com/%00', accept: true },
    { pointer: '/pipeline/organizationUrl', value: 'https://dev.azure.com/%ED%A0%80', accept: true },
    { pointer: '/pipeline/runUrl', value: `https://dev.azure.com/${'x'.repeat(1978)}`, accept: true },
    { pointer: '/pipeline/runUrl', value: `https://dev.azure.com/${'x'.repeat(1979)}`, accept: false },
    { pointer: '/images/0/tag', value: 'x'.repeat(128), accept: true },
    { pointer: '/images/0/tag', value: 'x'.repeat(129), accept: false },
    { pointer: '/images/0/labels/team', value: '', accept: true },
    { pointer: '/images/0/labels/team', value: 'x'.repeat(4000), accept: true },
    { pointer: '/images/0/labels/team', value: 'x'.repeat(4001), accept: false },
    { pointer: '/images/0/labels/team', value: UNUSUAL_TEXT, accept: true },
  );
  // The most images and warnings one report may carry, and one more.
  const images = (n: number) => Array.from({ length: n }, (_, i) => image({ digest: digestOf(`many-${n}-${i}`), tag: `t${i}` }));
  const warnings = (n: number) => Array.from({ length: n }, (_, i) => ({ code: `w${i}`, message: 'a warning' }));
  cases.push(
    { pointer: '/images', value: images(1000), accept: true },
    { pointer: '/images', value: images(1001), accept: false },
    { pointer: '/warnings', value: warnings(100), accept: true },
    { pointer: '/warnings', value: warnings(101), accept: false },
  );
  // Label names are field names too: a label called `a\0b` is refused under its own pointer.
  for (const key of UNSTORABLE) cases.push({ pointer: `/images/0/labels/${key}`, value: 'v', accept: false });
  cases.push({ pointer: `/images/0/labels/${'k'.repeat(500)}`, value: 'v', accept: true });
  return cases;
}

/** A report whose fields all exist (so that each can be changed), for the n-th case. */
function baseReport(n: number): Json {
  const report = makeReport({
    pipeline: { jobId: `boundary-${n}`, stage: 'Build', reason: 'IndividualCI' },
    images: [
      image({
        digest: digestOf(`boundary-${n}`),
        imageId: digestOf(`id-${n}`),
        os: 'linux',
        architecture: 'amd64',
        created: '2026-03-01T09:00:00.000Z',
        labels: { team: 'web' },
      }),
    ],
  }) as unknown as Json;
  report.collector = { name: 'ContainerMappingReport', version: '1.0.0', dockerServerVersion: '20.10.24', dockerApiVersion: '1.41' };
  report.warnings = [{ code: 'w', message: 'a warning' }];
  return report;
}

function setAt(target: Json, pointer: string, value: unknown): void {
  const parts = pointer.slice(1).split('/');
  const last = parts.pop() as string;
  let node: Json = target;
  for (const part of parts) node = node[part] as Json;
  node[last] = value;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

interface ProblemBody {
  status: number;
  detail: string;
  pointer?: string;
  parameter?: string;
  errors?: Array<{ pointer?: string; parameter?: string }>;
}

function assertProblemNames(
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  where: { pointer?: string; parameter?: string },
): void {
  assert.equal(response.statusCode, 400, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(response.body) as ProblemBody;
  const named = [problem, ...(problem.errors ?? [])];
  if (where.pointer !== undefined) {
    assert.ok(
      named.some((e) => e.pointer === where.pointer),
      `the problem does not name ${JSON.stringify(where.pointer)}: ${response.body}`,
    );
  }
  if (where.parameter !== undefined) {
    assert.ok(
      named.some((e) => e.parameter === where.parameter),
      `the problem does not name parameter ${where.parameter}: ${response.body}`,
    );
  }
}

/** A pointer as a test title may show it: control characters and lone surrogates escaped, so the log stays text. */
const printable = (text: string) =>
  text.replace(/[\u0000-\u001f\u007f\ud800-\udfff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

const describeValue = (v: unknown) => {
  if (Array.isArray(v)) return `${v.length} items`;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 40)}… (${typeof v === 'string' ? v.length : text.length} chars)` : text;
};

/** A query and what must happen to it: 200, or 400 naming the parameter. */
interface QueryCase {
  url: string;
  refusedParameter?: string;
}

const longFilter = (name: string, n: number) => `/api/v1/images?${name}=${'x'.repeat(n)}`;
const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

const QUERY_CASES: QueryCase[] = [
  { url: '/api/v1/images?since=2016-12-31T23:59:60Z' },
  { url: '/api/v1/images?until=2016-12-31T23:59:60Z' },
  { url: '/api/v1/images?since=0000-01-01T00:00:00Z&until=9999-12-31T23:59:59.999Z' },
  { url: '/api/v1/images?since=2026-03-01%2010:00:00%2B0200' },
  { url: '/api/v1/images?since=0000-01-01T00:00:00%2B00:01', refusedParameter: 'since' },
  { url: '/api/v1/images?until=9999-12-31T23:59:59.999-00:01', refusedParameter: 'until' },
  { url: '/api/v1/images?since=2026-03-01T12:00:60Z', refusedParameter: 'since' },
  ...['registry', 'repository', 'tag', 'organization', 'project', 'pipeline', 'sourceRepository', 'commit'].flatMap((name) => [
    { url: longFilter(name, 2000) },
    { url: longFilter(name, 2001), refusedParameter: name },
    { url: `/api/v1/images?${name}=a%00b`, refusedParameter: name },
    { url: `/api/v1/images?${name}=%C3%A9%F0%9F%98%80` },
  ]),
  { url: '/api/v1/images?pipeline=2147483648' },
  { url: '/api/v1/images?pipeline=99999999999999999999' },
  { url: `/api/v1/images?cursor=${cursorOf('9999999999999999.9999999999999999')}` },
  { url: `/api/v1/images?cursor=${cursorOf('-9999999999999999.0')}` },
  { url: '/api/v1/images?cursor=not-a-cursor', refusedParameter: 'cursor' },
  { url: '/api/v1/images?cursor=%00', refusedParameter: 'cursor' },
  { url: '/api/v1/images?limit=500' },
  { url: '/api/v1/images?limit=0', refusedParameter: 'limit' },
  { url: '/api/v1/images?limit=501', refusedParameter: 'limit' },
  { url: '/api/v1/images?limit=99999999999999999999', refusedParameter: 'limit' },
  { url: `/api/v1/runs/${INT32_MAX}` },
  { url: '/api/v1/runs/0' },
  { url: `/api/v1/runs/${INT32_MAX + 1}`, refusedParameter: 'runId' },
  { url: '/api/v1/runs/99999999999999999999', refusedParameter: 'runId' },
  { url: '/api/v1/runs/-1', refusedParameter: 'runId' },
  { url: '/api/v1/runs/12?organization=a%00b', refusedParameter: 'organization' },
  { url: '/api/v1/runs/12?project=a%00b', refusedParameter: 'project' },
  { url: `/api/v1/images/sha256:${'0'.repeat(63)}%00`, refusedParameter: 'digest' },
];

for (const kind of DATABASES) {
  describe(`Boundary values on ${kind.name}: stored and read back exactly, or refused naming the field, never a 500`, function () {
    this.timeout(120_000);
    let svc: TestService;

    before(async () => {
      svc = await startTestService(kind);
    });
    after(async () => svc.close());

    fieldCases().forEach((c, n) => {
      it(`${c.accept ? 'accepts' : 'refuses'} ${printable(c.pointer)} = ${describeValue(c.value)}`, async () => {
        const report = baseReport(n);
        setAt(report, c.pointer, c.value);
        if (c.pointer !== '/idempotencyKey') report.idempotencyKey = computeIdempotencyKey((report as unknown as Report).pipeline);
        const response = await svc.app.inject({
          method: 'POST',
          url: '/api/v1/reports',
          headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
          payload: JSON.stringify(report),
        });
        assert.ok(response.statusCode < 500, `answered ${response.statusCode}: ${response.body}`);
        if (!c.accept) {
          const parts = c.pointer.split('/');
          const pointer = c.pointer.startsWith('/images/0/labels/')
            ? `/images/0/labels/${escapePointer(parts.slice(4).join('/'))}`
            : c.pointer;
          assertProblemNames(response, { pointer });
          return;
        }
        assert.equal(response.statusCode, 201, response.body);
        assert.deepEqual(
          await readStoredReport(svc.db, String(report.idempotencyKey)),
          report,
          'the stored report differs from the one sent',
        );
        const shown = SHOWN[c.pointer];
        const expected = c.shown ?? (shown?.normal ? shown.normal(c.value) : c.value);
        const sent = (report.images as Array<{ digest: string }>)[0] as { digest: string };
        const read = await svc.read(`/api/v1/images/${sent.digest}`);
        assert.equal(read.statusCode, 200, read.body);
        const push = read.json<ImageDetail>().pushes[0] as ImagePush;
        if (shown) assert.deepEqual(shown.get(push), expected);
        if (c.pointer === '/images/0/pushedAt') assert.equal(push.pushedAt, expected);
      });
    });

    for (const q of QUERY_CASES) {
      it(`${q.refusedParameter ? `refuses ${q.refusedParameter} in` : 'answers'} GET ${q.url.length > 90 ? `${q.url.slice(0, 70)}…` : q.url}`, async () => {
        const response = await svc.read(q.url);
        assert.ok(response.statusCode < 500, `answered ${response.statusCode}: ${response.body}`);
        if (q.refusedParameter) assertProblemNames(response, { parameter: q.refusedParameter });
        else assert.equal(response.statusCode, 200, response.body);
      });
    }
  });
}
