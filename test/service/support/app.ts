/**
 * Boots the whole service in-process on a real database, with a local JWKS issuer and two
 * static tokens, and small helpers to call it the way clients do.
 */
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type MappingApp } from '../../../service/src/app';
import { hashToken } from '../../../service/src/auth/staticTokens';
import type { ServiceConfig } from '../../../service/src/config';
import type { Report } from '../../../common/report';
import type { DatabaseKind, TestDatabase } from './stores';
import { claimsForReport, startTestIssuer, type TestIssuer } from './oidc';
import { ORG_ID, ORG_URL } from './reports';

export const INGEST_TOKEN = 'cmt_test-ingest-token-0123456789';
export const READ_TOKEN = 'cmt_test-read-token-0123456789';

/** A running app, its database and its issuer. */
export interface TestService {
  app: MappingApp;
  db: TestDatabase;
  issuer: TestIssuer;
  /** Sends a report with a pipeline token minted for that report's own run. */
  send(report: unknown, token?: string): Promise<LightMyRequestResponse>;
  /** A pipeline token for the run that sent `report`. */
  tokenFor(report: Report): Promise<string>;
  /** GET with the read token. */
  read(url: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Builds an app on a fresh database of `kind`. */
export async function startTestService(kind: DatabaseKind, config: Partial<ServiceConfig> = {}): Promise<TestService> {
  const db = await kind.create();
  const issuer = await startTestIssuer(ORG_ID);
  const store = await db.open();
  const app = await buildApp({
    store,
    logger: false,
    config: {
      organizations: [issuer.organization(ORG_URL)],
      tokens: [
        { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
        { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
      ],
      ...config,
    },
  });
  const tokenFor = (report: Report) => issuer.mint(claimsForReport(report, ORG_ID));
  return {
    app,
    db,
    issuer,
    tokenFor,
    async send(report, token) {
      const bearer = token ?? (await tokenFor(report as Report));
      return app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: { authorization: `Bearer ${bearer}` },
        payload: report as object,
      });
    },
    read: (url) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${READ_TOKEN}` } }),
    async close() {
      await app.close();
      await issuer.close();
      await db.destroy();
    },
  };
}
