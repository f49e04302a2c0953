/** `GET /openapi.json`: the OpenAPI 3.1 document, built from the same schemas the routes use. */
import type { TObject } from '@sinclair/typebox';
import { REPORTS_PATH, ReportSchema } from '../../../common/report';
import type { AppInstance } from '../plugins/types';
import { ImageDetailSchema, ImageListQuerySchema, ImagePushPageSchema, ImagePushSchema, RunQuerySchema } from '../schemas/images';
import { ProblemSchema } from '../schemas/problem';
import { IngestResponseSchema } from './reports/index';

/** TypeBox schemas carry symbol keys and `$id`s; JSON round-tripping keeps only the JSON Schema. */
const plain = (schema: unknown): Record<string, unknown> => {
  const copy = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  delete copy.$id;
  return copy;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

function queryParameters(schema: TObject): unknown[] {
  return Object.entries(schema.properties).map(([name, prop]) => ({ name, in: 'query', required: false, schema: plain(prop) }));
}

/** Builds the document. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const readErrors = { 400: problem('invalid parameter'), 401: problem('no or bad credentials'), 403: problem('not allowed to read') };
  return {
    openapi: '3.1.0',
    info: { title: 'Container Mapping service', version, description: 'Which pipeline run built this image digest, and what did this run push.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Azure DevOps pipeline OIDC token (ingest) or a static token (ingest/read).' },
      },
      schemas: {
        Report: plain(ReportSchema),
        ImagePush: plain(ImagePushSchema),
        ImageDetail: plain(ImageDetailSchema),
        ImagePushPage: plain(ImagePushPageSchema),
        IngestResponse: plain(IngestResponseSchema),
        Problem: plain(ProblemSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      [REPORTS_PATH]: {
        post: {
          summary: 'Send a report (idempotent per job attempt)',
          requestBody: { required: true, ...json(ref('Report')) },
          responses: {
            201: { description: 'stored', ...json(ref('IngestResponse')) },
            200: { description: 'replaced an earlier send of the same job attempt', ...json(ref('IngestResponse')) },
            400: problem('invalid report; `pointer` names the field'),
            401: problem('no or unverifiable credentials'),
            403: problem('credentials may not report for this run'),
            408: problem('body not received within requestTimeoutMs; the connection is closed'),
            413: problem('body larger than the limit'),
            415: problem('not application/json'),
          },
        },
      },
      '/api/v1/images/{digest}': {
        get: {
          summary: 'Every push of one image, and every run that pushed it',
          parameters: [{ name: 'digest', in: 'path', required: true, schema: { type: 'string', pattern: '^sha256:[0-9a-fA-F]{64}$' } }],
          responses: { 200: { description: 'the image', ...json(ref('ImageDetail')) }, ...readErrors, 404: problem('never reported') },
        },
      },
      '/api/v1/images': {
        get: {
          summary: 'Pushes matching the filters, newest first',
          parameters: queryParameters(ImageListQuerySchema),
          responses: { 200: { description: 'a page', ...json(ref('ImagePushPage')) }, ...readErrors },
        },
      },
      '/api/v1/runs/{runId}': {
        get: {
          summary: 'What one run pushed, newest first',
          parameters: [{ name: 'runId', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } }, ...queryParameters(RunQuerySchema)],
          responses: { 200: { description: 'a page', ...json(ref('ImagePushPage')) }, ...readErrors },
        },
      },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { 200: { description: 'alive' } } } },
      '/readyz': { get: { summary: 'Readiness: the database answers', security: [], responses: { 200: { description: 'ready' }, 503: problem('database unreachable') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'text exposition format' } } } },
    },
  };
}

export function registerOpenApiRoute(app: AppInstance, version: string): void {
  const document = buildOpenApiDocument(version);
  app.get('/openapi.json', async () => document);
}
