/** Valid reports for tests, with the idempotency key computed as the task computes it. */
import { createHash } from 'node:crypto';
import { computeIdempotencyKey } from '../../../common/idempotency';
import type { PushedImage, Report, ReportPipeline, ReportSource } from '../../../common/report';

export const ORG_ID = '8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
export const ORG_URL = 'https://dev.azure.com/contoso/';
export const PROJECT_ID = '3b9e1f4a-7c2d-4e8f-9a1b-2c3d4e5f6a7b';

/** A deterministic digest from any seed text. */
export function digestOf(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

/** One pushed image; override any field. */
export function image(overrides: Partial<PushedImage> = {}): PushedImage {
  return {
    digest: digestOf('web-api'),
    registry: '127.0.0.1:5000',
    repository: 'team/web-api',
    tag: '1.0.0',
    pushedAt: '2026-03-01T10:00:00.000Z',
    origin: 'docker-events',
    ...overrides,
  };
}

/** What a test may change about a report. */
export interface ReportOverrides {
  pipeline?: Partial<ReportPipeline>;
  source?: Partial<ReportSource>;
  images?: PushedImage[];
}

/** A valid report for run 12 of pipeline 7 in contoso/Shop, with a correct idempotency key. */
export function makeReport(overrides: ReportOverrides = {}): Report {
  const pipeline: ReportPipeline = {
    organizationUrl: ORG_URL,
    projectId: PROJECT_ID,
    projectName: 'Shop',
    hub: 'build',
    definitionId: 7,
    definitionName: 'web-api CI',
    runId: 12,
    runNumber: '20260301.1',
    runUrl: 'https://dev.azure.com/contoso/Shop/_build/results?buildId=12',
    jobId: '12f1170f-54f2-53f3-20dd-22fc7dff55f9',
    jobName: 'Build',
    jobAttempt: 1,
    ...overrides.pipeline,
  };
  return {
    schemaVersion: 1,
    idempotencyKey: computeIdempotencyKey(pipeline),
    collector: { name: 'ContainerMappingReport', version: '1.0.0' },
    pipeline,
    source: {
      provider: 'TfsGit',
      url: 'https://contoso@dev.azure.com/contoso/Shop/_git/web-api',
      name: 'web-api',
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      commit: '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c',
      branch: 'refs/heads/main',
      ...overrides.source,
    },
    agent: { name: 'Hosted Agent', os: 'Linux', selfHosted: false },
    window: { since: '2026-03-01T09:59:00.000Z', until: '2026-03-01T10:01:00.000Z', sinceSource: 'timeline' },
    images: overrides.images ?? [image()],
    warnings: [],
  };
}
