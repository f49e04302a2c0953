/**
 * The remediation tests' rig: the explorer seed with runs of the stand-in's organisation, the Azure DevOps
 * stand-in with its work item endpoints (PAT-checked), and the whole app with a remediate token, its log captured.
 */
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type MappingApp } from '../../../service/src/app';
import { hashToken } from '../../../service/src/auth/staticTokens';
import { parseScannerDocument } from '../../../service/src/explorer/vulnerabilities/parse';
import type { RemediationOrganization } from '../../../service/src/remediation/settings';
import type { Store } from '../../../service/src/store/store';
import { AzureDevOpsStandIn } from '../../support/azureDevOps';
import { AzureBoardsStandIn } from '../../support/azureBoards';
import { loadFixture } from '../../explorer/vulnerabilityFixtures';
import type { DatabaseKind, TestDatabase } from './stores';
import { API, SNAPSHOT, WEB } from './explorerSeed';
import { image, makeReport } from './reports';

export const PAT = 'remediation-pat-52hs7w2kq0zx9vqa3l4m';
export const REMEDIATE_TOKEN = 'cmt_test-remediate-token-0123456789';
export const READ_ONLY_TOKEN = 'cmt_test-read-only-token-0123456789';

/** Seeds the explorer data with runs 12 and 13 of `organizationUrl` pushing web's image; api's image stays unmapped. */
export async function seedRemediation(store: Store, organizationUrl: string): Promise<void> {
  await store.replaceClusterSnapshot('prod', SNAPSHOT, new Date('2026-03-02T08:00:00Z'));
  const scans = (fixture: 'trivy-web-api.json' | 'grype-web-api.json', digest: string) =>
    parseScannerDocument(loadFixture(fixture)).scans.map((scan) => ({ ...scan, digest }));
  await store.replaceScans([...scans('trivy-web-api.json', WEB), ...scans('grype-web-api.json', WEB), ...scans('trivy-web-api.json', API)]);
  const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };
  const pipeline = (runId: number, runNumber: string) => ({
    organizationUrl,
    runId,
    runNumber,
    runUrl: `${organizationUrl}Shop/_build/results?buildId=${runId}`,
  });
  await store.ingest(makeReport({ pipeline: pipeline(12, '20260301.1'), images: [image({ digest: WEB })] }), context);
  const later = image({ digest: WEB, tag: '1.0.1', pushedAt: '2026-03-01T11:00:00.000Z' });
  await store.ingest(makeReport({ pipeline: pipeline(13, '20260301.2'), images: [later] }), context);
}

/** The app on a fresh database with a remediate token, a read token, and the stand-in's organisation configured. */
export interface RemediationRig {
  app: MappingApp;
  db: TestDatabase;
  standIn: AzureDevOpsStandIn;
  boards: AzureBoardsStandIn;
  /** Everything the service logged. */
  log(): string;
  /** POSTs `body` to /api/v1/remediations with `token` (default: the remediate token). */
  file(body: object, token?: string): Promise<LightMyRequestResponse>;
  /** Starts a second instance of the service on the same database, configured alike; `close()` stops it too. */
  anotherInstance(): Promise<{ file(body: object): Promise<LightMyRequestResponse> }>;
  close(): Promise<void>;
}

/** Starts the rig on a fresh database of `kind`; `configuredPat` replaces the PAT the service is given (the stand-in accepts only `PAT`). */
export async function startRig(
  kind: DatabaseKind,
  options: { configuredPat?: string; remediation?: (url: string) => RemediationOrganization[] } = {},
): Promise<RemediationRig> {
  const standIn = await AzureDevOpsStandIn.start({ personalAccessToken: PAT });
  const boards = AzureBoardsStandIn.install(standIn);
  const db = await kind.create();
  const store = await db.open();
  await seedRemediation(store, standIn.url);
  let logged = '';
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const config = {
    logLevel: 'trace' as const,
    tokens: [
      { name: 'security', sha256: hashToken(REMEDIATE_TOKEN), scopes: ['read' as const, 'remediate' as const] },
      { name: 'reader', sha256: hashToken(READ_ONLY_TOKEN), scopes: ['read' as const] },
    ],
    remediation: options.remediation?.(standIn.url) ?? [{ organizationUrl: standIn.url, pat: options.configuredPat ?? PAT }],
  };
  const app = await buildApp({ store, logStream, config });
  const others: MappingApp[] = [];
  return {
    app,
    db,
    standIn,
    boards,
    log: () => logged,
    file: (body, token = REMEDIATE_TOKEN) =>
      app.inject({ method: 'POST', url: '/api/v1/remediations', headers: { authorization: `Bearer ${token}` }, payload: body }),
    async anotherInstance() {
      const other = await buildApp({ store: await db.open(), logStream, config });
      others.push(other);
      return {
        file: (body: object) =>
          other.inject({
            method: 'POST',
            url: '/api/v1/remediations',
            headers: { authorization: `Bearer ${REMEDIATE_TOKEN}` },
            payload: body,
          }),
      };
    },
    async close() {
      for (const other of others) await other.close();
      await app.close();
      await db.destroy();
      await standIn.close();
    },
  };
}
