/**
 * The service as users run it (`bin/container-mapping.js serve`, SQLite), seeded through its real
 * routes with the real-format fixtures: the kubectl List as cluster `prod`, the Trivy and Grype
 * documents as the findings of its `web`, `api` and `admin` images, and runs 12 and 13 of
 * `web-api CI` that pushed `web`'s image (the same seed as test/service/support/explorerSeed.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_API } from '../../explorer/vulnerabilityFixtures';
import { ADMIN, API, WEB } from '../../service/support/explorerSeed';
import { image, makeReport } from '../../service/support/reports';
import { post, startSqliteService } from './sqliteService';

export const READ_TOKEN = 'cmt_web-read-token-0123456789';
/** A token with the read and remediate scopes: it may ask the owning team to fix. */
export const FIX_TOKEN = 'cmt_web-fix-token-0123456789';
const INGEST_TOKEN = 'cmt_web-ingest-token-0123456789';
const INVENTORY_TOKEN = 'cmt_web-inventory-token-0123456789';
/** Where Azure DevOps shows run 13 (the newest push of `web`'s image). */
export const RUN_13_URL = 'https://dev.azure.com/contoso/Shop/_build/results?buildId=13';
const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'explorer');

export interface SeededService {
  url: string;
  stop(): Promise<void>;
}

/** A scanner fixture, as if it had scanned `digest` (the fixtures scanned the web-api image). */
const scanOf = (name: string, digest: string) => readFileSync(join(FIXTURES, name), 'utf8').replaceAll(WEB_API, digest);

/** Where the service files work items: the runs are this organisation's, and the service has its PAT. */
export interface RemediationSetting {
  organizationUrl: string;
  pat: string;
}

/**
 * Starts a seeded service; `readOpen` serves the read API without a token; `remediation` makes the
 * runs that organisation's and configures the service to file work items there.
 */
export async function startSeededService(options: { readOpen?: boolean; remediation?: RemediationSetting } = {}): Promise<SeededService> {
  const organizationUrl = options.remediation?.organizationUrl;
  const service = await startSqliteService(
    {
      prefix: 'cm-web',
      readOpen: options.readOpen ?? false,
      tokens: [
        { name: 'web-ingest', token: INGEST_TOKEN, scopes: ['ingest'] },
        { name: 'web-read', token: READ_TOKEN, scopes: ['read'] },
        { name: 'web-inventory', token: INVENTORY_TOKEN, scopes: ['inventory'] },
        { name: 'web-fix', token: FIX_TOKEN, scopes: ['read', 'remediate'] },
      ],
      env: options.remediation ? { CM_REMEDIATION: JSON.stringify([options.remediation]) } : {},
    },
    async (base) => {
      await post(`${base}/api/v1/clusters/prod/snapshot`, INVENTORY_TOKEN, readFileSync(join(FIXTURES, 'kubectl-list.json'), 'utf8'));
      await post(`${base}/api/v1/scans`, INVENTORY_TOKEN, scanOf('trivy-web-api.json', WEB));
      await post(`${base}/api/v1/scans`, INVENTORY_TOKEN, scanOf('grype-web-api.json', WEB));
      await post(`${base}/api/v1/scans`, INVENTORY_TOKEN, scanOf('trivy-web-api.json', API));
      await post(`${base}/api/v1/scans`, INVENTORY_TOKEN, scanOf('grype-web-api.json', ADMIN));
      const org = organizationUrl ? { organizationUrl, runUrl: `${organizationUrl}Shop/_build/results?buildId=12` } : {};
      await post(`${base}/api/v1/reports`, INGEST_TOKEN, makeReport({ pipeline: org, images: [image({ digest: WEB })] }));
      const later = image({ digest: WEB, tag: '1.0.1', pushedAt: '2026-03-01T11:00:00.000Z' });
      const run13 = {
        runId: 13,
        runNumber: '20260301.2',
        runUrl: organizationUrl ? `${organizationUrl}Shop/_build/results?buildId=13` : RUN_13_URL,
      };
      await post(`${base}/api/v1/reports`, INGEST_TOKEN, makeReport({ pipeline: { ...org, ...run13 }, images: [later] }));
    },
  );
  return { url: service.url, stop: () => service.stop() };
}
